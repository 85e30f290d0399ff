import { showBidiControls } from '../../../tasks/shared/bidi';
import { escapeHtml } from '../../../tasks/shared/escape-html';

describe('bidirectional controls in text shown to people (defect 12)', () => {
  it('are shown as markers, not obeyed, in every HTML renderer (they all escape through escapeHtml)', () => {
    const title = 'SSH brute force from \u202e1.2.3.4\u202c';

    expect(escapeHtml(title)).toBe('SSH brute force from [U+202E]1.2.3.4[U+202C]');
  });

  it('are shown as markers in notification text', () => {
    expect(showBidiControls('a\u2066b\u2069c\u200fd\u061c')).toBe('a[U+2066]b[U+2069]c[U+200F]d[U+061C]');
  });
});
