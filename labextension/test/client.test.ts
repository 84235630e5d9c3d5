import { describe, expect, it } from 'vitest';

import { attachmentName } from '../src/api';

describe('download names', () => {
  it('reads the file name of a Content-Disposition header, preferring filename*', () => {
    expect(attachmentName('attachment; filename="credit-model.pdf"')).toBe('credit-model.pdf');
    expect(attachmentName("attachment; filename=\"x.pdf\"; filename*=UTF-8''cr%C3%A9dit.pdf")).toBe('crédit.pdf');
    expect(attachmentName('attachment; filename=plain.md')).toBe('plain.md');
    expect(attachmentName(null)).toBeNull();
    expect(attachmentName('attachment')).toBeNull();
  });
});
