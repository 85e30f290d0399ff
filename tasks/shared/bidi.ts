/**
 * Unicode bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) reorder
 * the text around them when it is displayed, so a finding field can make a report read other than
 * it is (the "Trojan Source" trick). Wherever Warden shows untrusted text to people, each one is
 * replaced by a visible marker such as `[U+202E]`.
 */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function showBidiControls(text: string): string {
  return text.replace(
    BIDI_CONTROLS,
    (c) => `[U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`,
  );
}
