/**
 * Making a run's output safe to show on a terminal: a run can write anything, and escape
 * sequences other than colours could retitle the window, move the cursor, rewrite the clipboard
 * (OSC 52) or hide text. SGR sequences (`ESC [ … m`, colours and bold) pass; every other escape
 * or control sequence (CSI, OSC, DCS/SOS/PM/APC strings, two-byte escapes, C1 controls in their
 * UTF-8 form, C0 controls but tab, newline, carriage return and backspace) is removed. Works on
 * bytes, in chunks, so invalid UTF-8 passes through untouched and a sequence may span chunks.
 */

const ESC = 0x1b;
const BEL = 0x07;

const enum State {
  Normal,
  /** After 0xC2, which may start a C1 control (0xC2 0x80–0x9F). */
  Lead,
  Escape,
  /** ESC followed by intermediate bytes, until the final byte. */
  EscapeIntermediate,
  Csi,
  /** OSC, DCS, SOS, PM, APC: until ST (ESC \ or C1 0x9C) or, for OSC, BEL. */
  String,
  StringEscape,
  StringLead,
}

/** Longest CSI or string sequence followed; past it the sequence is dropped and we resynchronise. */
const MAX_SEQUENCE = 4096;

function keptControl(b: number): boolean {
  return b === 0x09 || b === 0x0a || b === 0x0d || b === 0x08;
}

/** Streaming filter: `push` each chunk, write what it returns. */
export class ControlStripper {
  private state = State.Normal;
  private csi: number[] = [];
  private stringLength = 0;

  push(chunk: Uint8Array): Buffer {
    // Output never exceeds the input plus what an earlier chunk left pending (a CSI's bytes, 0xC2).
    const out = Buffer.allocUnsafe(chunk.length + this.csi.length + 4);
    let n = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      switch (this.state) {
        case State.Normal:
          if (b === ESC) this.state = State.Escape;
          else if (b === 0xc2) this.state = State.Lead;
          else if (b < 0x20 || b === 0x7f) {
            if (keptControl(b)) out[n++] = b;
          } else out[n++] = b;
          break;
        case State.Lead:
          if (b >= 0x80 && b <= 0x9f) this.c1(b);
          else {
            out[n++] = 0xc2;
            this.state = State.Normal;
            i--; // process b again as ordinary input
          }
          break;
        case State.Escape:
          if (b === 0x5b) {
            this.state = State.Csi;
            this.csi = [];
          } else if (b === 0x5d || b === 0x50 || b === 0x58 || b === 0x5e || b === 0x5f) {
            this.state = State.String;
            this.stringLength = 0;
          } else if (b >= 0x20 && b <= 0x2f) this.state = State.EscapeIntermediate;
          else if (b === ESC) this.state = State.Escape;
          else if (b >= 0x30 && b <= 0x7e) this.state = State.Normal;
          else {
            this.state = State.Normal;
            i--;
          }
          break;
        case State.EscapeIntermediate:
          if (b >= 0x30 && b <= 0x7e) this.state = State.Normal;
          else if (!(b >= 0x20 && b <= 0x2f)) {
            this.state = State.Normal;
            i--;
          }
          break;
        case State.Csi:
          if (b >= 0x40 && b <= 0x7e) {
            if (b === 0x6d && this.csi.every((c) => (c >= 0x30 && c <= 0x39) || c === 0x3b || c === 0x3a)) {
              out[n++] = ESC;
              out[n++] = 0x5b;
              for (const c of this.csi) out[n++] = c;
              out[n++] = 0x6d;
            }
            this.csi = [];
            this.state = State.Normal;
          } else if (b >= 0x20 && b <= 0x3f) {
            this.csi.push(b);
            if (this.csi.length > MAX_SEQUENCE) this.state = State.Normal;
          } else if (b === ESC) this.state = State.Escape;
          else if (b >= 0x20) this.state = State.Normal; // not a valid CSI byte: abandon it
          // C0 controls inside a CSI are dropped
          break;
        case State.String:
          if (b === ESC) this.state = State.StringEscape;
          else if (b === BEL) this.state = State.Normal;
          else if (b === 0xc2) this.state = State.StringLead;
          else if (++this.stringLength > MAX_SEQUENCE) this.state = State.Normal;
          break;
        case State.StringEscape:
          // ESC \ is ST; any other escape also ends the string (and is itself dropped)
          this.state = b === 0x5c ? State.Normal : State.Escape;
          if (b !== 0x5c) i--;
          break;
        case State.StringLead:
          this.state = b === 0x9c ? State.Normal : State.String;
          break;
      }
    }
    return out.subarray(0, n);
  }

  /** Bytes held back at the end of the input (a lone 0xC2). */
  flush(): Buffer {
    const held = this.state === State.Lead ? Buffer.from([0xc2]) : Buffer.alloc(0);
    this.state = State.Normal;
    return held;
  }

  private c1(b: number): void {
    if (b === 0x9b) {
      this.state = State.Csi;
      this.csi = [];
    } else if (b === 0x9d || b === 0x90 || b === 0x98 || b === 0x9e || b === 0x9f) {
      this.state = State.String;
      this.stringLength = 0;
    } else this.state = State.Normal;
  }
}

/** Strips non-SGR control sequences from a whole buffer. */
export function stripControls(data: Uint8Array): Buffer {
  const s = new ControlStripper();
  return Buffer.concat([s.push(data), s.flush()]);
}
