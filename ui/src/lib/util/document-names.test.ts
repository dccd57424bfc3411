import { describe, expect, it } from 'vitest';
import { describeDocument } from './document-names';

describe('document names for people', () => {
  it('names component templates, fields and the theme in words', () => {
    expect(describeDocument('components/hero/template.html')).toBe('how the Hero component looks (its template)');
    expect(describeDocument('components/product-tiles/component.json')).toBe('the fields of the Product tiles component');
    expect(describeDocument('theme.css')).toBe('the theme (colours and type)');
  });

  it('names content, pages and profiles by their id in words', () => {
    expect(describeDocument('entries/home-hero.json')).toBe('the content “Home hero”');
    expect(describeDocument('profiles/vip-anna.json')).toBe('the visitor profile “Vip anna”');
  });

  it('quotes anything else as it is, hiding nothing', () => {
    expect(describeDocument('../../escape.json')).toBe('a file named “../../escape.json”');
    expect(describeDocument('audiences.json')).toBe('the audiences');
  });
});
