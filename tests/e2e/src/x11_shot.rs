//! Screenshots read from the X display itself.
//!
//! Without compositing (how the app paints on a machine without a GPU, `src-tauri/src/rendering.rs`),
//! WebKitWebDriver's screenshot sometimes never returns (WebKitGTK 2.50). Reading the pixels of
//! the window's rectangle from the X server needs nothing of WebKit, and it shows what is on the
//! screen, menus and tooltips included.

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, ImageOrder, MapState};

/// The largest window shown on `$DISPLAY` (the app's: the suite starts one at a time), as PNG.
pub fn capture_app_window() -> Result<Vec<u8>, String> {
    let (conn, screen_number) = x11rb::connect(None).map_err(|e| format!("no X display: {e}"))?;
    let setup = conn.setup();
    let screen = &setup.roots[screen_number];
    let x11 = |e: &dyn std::fmt::Display| format!("X request failed: {e}");
    let tree = conn.query_tree(screen.root).map_err(|e| x11(&e))?.reply().map_err(|e| x11(&e))?;
    let mut largest: Option<(u32, i16, i16, u16, u16)> = None;
    for window in tree.children {
        let attributes = conn.get_window_attributes(window).map_err(|e| x11(&e))?.reply().map_err(|e| x11(&e))?;
        if attributes.map_state != MapState::VIEWABLE {
            continue;
        }
        let g = conn.get_geometry(window).map_err(|e| x11(&e))?.reply().map_err(|e| x11(&e))?;
        let area = u32::from(g.width) * u32::from(g.height);
        if largest.is_none_or(|(a, ..)| area > a) {
            largest = Some((area, g.x, g.y, g.width, g.height));
        }
    }
    let (_, x, y, width, height) = largest.ok_or("no window is shown on the display")?;
    // Clip to the screen: a window may hang over its edges.
    let (x0, y0) = (x.max(0), y.max(0));
    let width = (i32::from(x) + i32::from(width)).min(i32::from(screen.width_in_pixels)) - i32::from(x0);
    let height = (i32::from(y) + i32::from(height)).min(i32::from(screen.height_in_pixels)) - i32::from(y0);
    let (width, height) =
        (u16::try_from(width).map_err(|_| "the window is off screen")?, u16::try_from(height).map_err(|_| "the window is off screen")?);
    if width == 0 || height == 0 {
        return Err("the window is off screen".into());
    }
    let image =
        conn.get_image(ImageFormat::Z_PIXMAP, screen.root, x0, y0, width, height, !0).map_err(|e| x11(&e))?.reply().map_err(|e| x11(&e))?;
    let bits_per_pixel = setup.pixmap_formats.iter().find(|f| f.depth == image.depth).map(|f| f.bits_per_pixel);
    if bits_per_pixel != Some(32) || setup.image_byte_order != ImageOrder::LSB_FIRST {
        return Err(format!("unexpected pixel format: depth {}, {bits_per_pixel:?} bits per pixel", image.depth));
    }
    // 32-bit little-endian pixels are B, G, R, unused.
    let rgb: Vec<u8> = image.data.chunks_exact(4).flat_map(|p| [p[2], p[1], p[0]]).collect();
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, u32::from(width), u32::from(height));
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(png)
}
