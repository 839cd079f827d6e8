/**
 * How wide a label's text is drawn, before any renderer draws it. The map reserves each label's
 * room when it is laid out (in Node, for SVG, PNG and the HTML page alike), and the reader's
 * machine picks the face: Inter where it is installed (and always in the PNG), Helvetica or Arial
 * on most desktops, DejaVu Sans or Open Sans on bare Linux. Each character therefore counts at the
 * widest advance it has among those faces at the labels' weight (600; bold where a face has no
 * semibold), so the text fits its reserved room whichever face draws it.
 *
 * Made by `bench/verify/font_widths.py` from Inter SemiBold, DejaVu Sans Bold, Open Sans Bold and
 * Liberation Sans Bold (Arial's metrics); see that script for versions.
 */

// printable ASCII from ' ' (32) to '~' (126), widest advance in em
const ASCII_EM = [
  0.348, 0.456, 0.523, 0.838, 0.696, 1.004, 0.872, 0.326, 0.457, 0.457, 0.545, 0.838, 0.38, 0.465, 0.38, 0.413, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696,
  0.696, 0.696, 0.696, 0.4, 0.4, 0.838, 0.838, 0.838, 0.611, 1.0, 0.774, 0.762, 0.737, 0.83, 0.683, 0.683, 0.821, 0.837, 0.372, 0.58, 0.775, 0.637, 0.995,
  0.837, 0.85, 0.733, 0.85, 0.77, 0.72, 0.682, 0.812, 0.774, 1.103, 0.771, 0.724, 0.725, 0.457, 0.413, 0.457, 0.838, 0.556, 0.5, 0.675, 0.716, 0.593, 0.716,
  0.678, 0.435, 0.716, 0.712, 0.343, 0.343, 0.665, 0.343, 1.042, 0.712, 0.687, 0.716, 0.716, 0.493, 0.595, 0.478, 0.712, 0.652, 0.924, 0.645, 0.652, 0.582,
  0.712, 0.551, 0.712, 0.838,
];
// any other character (accented Latin, Greek, CJK): the widest ASCII advance, a full em and more
const OTHER_EM = 1.103;

/** The width in pixels of one line of label text at this font size, in the widest face it may be drawn with. */
export function textWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    em += code >= 32 && code <= 126 ? ASCII_EM[code - 32]! : OTHER_EM;
  }
  return em * fontSize;
}
