import { describe, expect, it } from 'vitest';
import { parseHashtags, toPostInput } from '../../src/pages/Composer';

describe('composer → API', () => {
  it('reads hashtags as typed', () => {
    expect(parseHashtags('#launch, news  #été')).toEqual(['launch', 'news', 'été']);
    expect(parseHashtags('  ')).toEqual([]);
  });

  it('sends an override only for accounts with their own text', () => {
    const input = toPostInput({
      title: ' ',
      content: 'Hello',
      hashtags: '#a',
      accounts: ['x1', 'li1', 'fb1'],
      customized: { x1: true, li1: false, fb1: true },
      overrides: { x1: 'Short', li1: 'ignored', fb1: '  ' },
      media: ['m1'],
      local_time: '',
    });
    expect(input).toEqual({
      title: null,
      content: 'Hello',
      hashtags: ['a'],
      media: ['m1'],
      mentions: [],
      targets: [
        { social_account_id: 'x1', text: 'Short' },
        { social_account_id: 'li1', text: null },
        { social_account_id: 'fb1', text: null },
      ],
    });
  });
});
