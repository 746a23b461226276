// Keeps the end of a command's output, bounded, so heartbeats and failure messages can carry
// it without ever growing a payload past a few KiB, however much a build prints.

export class OutputTail {
  private text = '';
  constructor(private readonly maxChars = 8192) {}

  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.maxChars * 2) this.text = this.text.slice(-this.maxChars);
  }

  /** The last `lines` lines (at most maxChars characters). */
  tail(lines = 30): string {
    const bounded = this.text.slice(-this.maxChars).replace(/\s+$/, '');
    return bounded.split('\n').slice(-lines).join('\n');
  }
}
