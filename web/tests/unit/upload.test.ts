import { describe, expect, it, vi } from 'vitest';
import { planParts, sendFile, type Putter, type UploadTicket } from '../../src/lib/upload';

const MB = 1024 * 1024;

describe('planParts', () => {
  it('slices a file into part_size pieces in part order', () => {
    const parts = planParts(40 * MB, 16 * MB, [
      { part_number: 2, url: 'u2' },
      { part_number: 1, url: 'u1' },
      { part_number: 3, url: 'u3' },
    ]);
    expect(parts).toEqual([
      { part_number: 1, url: 'u1', start: 0, end: 16 * MB },
      { part_number: 2, url: 'u2', start: 16 * MB, end: 32 * MB },
      { part_number: 3, url: 'u3', start: 32 * MB, end: 40 * MB },
    ]);
  });

  it('refuses a mismatch between the file and the URLs', () => {
    expect(() => planParts(40 * MB, 16 * MB, [{ part_number: 1, url: 'u1' }])).toThrow(/3 parts/);
  });
});

describe('sendFile', () => {
  it('PUTs a small file once with its content type', async () => {
    const put = vi.fn<Putter>(async (_u, body, _t, onProgress) => {
      onProgress(body.size);
      return { etag: '"x"' };
    });
    const ticket: UploadTicket = { id: 'a', confirm_path: '', expires_at: '', upload: { method: 'PUT', url: 'https://s3/put', content_type: 'image/png' } };
    const progress = vi.fn();
    const result = await sendFile(new Blob(['12345']), ticket, progress, put);
    expect(result).toEqual({});
    expect(put).toHaveBeenCalledWith('https://s3/put', expect.any(Blob), 'image/png', expect.any(Function), undefined);
    expect(progress).toHaveBeenLastCalledWith({ loaded: 5, total: 5 });
  });

  it('uploads every part and collects the ETags, ordered, for the confirmation', async () => {
    const sizes: Record<string, number> = {};
    const put = vi.fn<Putter>(async (url, body, contentType, onProgress) => {
      expect(contentType).toBeNull();
      sizes[url] = body.size;
      onProgress(body.size);
      // finish out of order
      await new Promise((r) => setTimeout(r, url === 'p1' ? 20 : 1));
      return { etag: `"etag-${url}"` };
    });
    const file = new Blob([new Uint8Array(25)]);
    const ticket: UploadTicket = {
      id: 'a',
      confirm_path: '',
      expires_at: '',
      upload: { method: 'MULTIPART', part_size: 10, parts: [1, 2, 3].map((n) => ({ part_number: n, url: `p${n}` })) },
    };
    const progress = vi.fn();
    const result = await sendFile(file, ticket, progress, put);
    expect(sizes).toEqual({ p1: 10, p2: 10, p3: 5 });
    expect(result.parts).toEqual([
      { part_number: 1, etag: '"etag-p1"' },
      { part_number: 2, etag: '"etag-p2"' },
      { part_number: 3, etag: '"etag-p3"' },
    ]);
    expect(progress).toHaveBeenLastCalledWith({ loaded: 25, total: 25 });
  });

  it('fails when storage hides the ETag (CORS must expose it)', async () => {
    const put: Putter = async () => ({ etag: null });
    const ticket: UploadTicket = { id: 'a', confirm_path: '', expires_at: '', upload: { method: 'MULTIPART', part_size: 10, parts: [{ part_number: 1, url: 'p1' }] } };
    await expect(sendFile(new Blob([new Uint8Array(5)]), ticket, () => undefined, put)).rejects.toThrow(/ETag/);
  });
});
