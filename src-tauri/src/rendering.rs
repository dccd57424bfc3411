//! How the window is painted on a machine without a GPU.
//!
//! WebKitGTK composites the window with OpenGL. Without a GPU that GL is emulated on the CPU
//! (llvmpipe), and compositing the window then costs more than painting it directly: under Xvfb
//! on two cores, a keystroke's four live previews took a median 56-62 ms to paint with
//! compositing and 20-31 ms without (the VIP headline scenario of `scripts/e2e`, run both ways).
//! So when there is no GPU render node, compositing is turned off before WebKit starts; a
//! person's own `WEBKIT_DISABLE_COMPOSITING_MODE` setting (`0` keeps compositing) always wins.

/// The WebKitGTK setting that paints without compositing.
const DISABLE_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Turns compositing off when no GPU is present and the person has not chosen. Call before
/// the window or any other thread starts (it sets an environment variable).
pub fn paint_directly_without_gpu() {
    #[cfg(target_os = "linux")]
    {
        let devices: Vec<String> = std::fs::read_dir("/dev/dri")
            .map(|dir| dir.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        if should_disable_compositing(&devices, std::env::var_os(DISABLE_COMPOSITING).is_some()) {
            std::env::set_var(DISABLE_COMPOSITING, "1");
        }
    }
}

/// Whether to turn compositing off: no GPU render node (`renderD128`, …) among the devices of
/// `/dev/dri`, and no setting of the person's own.
fn should_disable_compositing(dri_devices: &[String], already_set: bool) -> bool {
    !already_set && !dri_devices.iter().any(|name| name.starts_with("renderD"))
}

#[cfg(test)]
mod tests {
    use super::should_disable_compositing;

    #[test]
    fn compositing_stays_on_with_a_gpu_and_goes_off_without_one() {
        let gpu = vec!["card0".to_owned(), "renderD128".to_owned()];
        assert!(!should_disable_compositing(&gpu, false));
        assert!(should_disable_compositing(&[], false), "no /dev/dri at all: no GPU");
        assert!(should_disable_compositing(&["card0".to_owned()], false), "a display device but no render node");
    }

    #[test]
    fn a_persons_own_setting_is_left_alone() {
        assert!(!should_disable_compositing(&[], true));
    }
}
