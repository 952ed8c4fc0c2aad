/** Raised for unreadable, corrupt or mismatching data files; the message names the file and the fix. */
export class DataFormatError extends Error {
  constructor(message: string, readonly file?: string) {
    super(message);
    this.name = 'DataFormatError';
  }
}
