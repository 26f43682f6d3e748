// parseSizePrefix (src/base/units.ts): the size must open the text (memparse reads from the first character), never be found later in it.
import { describe, expect, it } from 'vitest';
import { parseSizePrefix } from '../../src/base/units.ts';

describe('parseSizePrefix reads the size from the start of the text only', () => {
  it.each(['x16M', '@0x1000', 'size=64M', ' 16M', '-1'])('rejects %j as EINVAL even though a size follows', (text) => {
    expect(parseSizePrefix(text)).toEqual({ ok: false, errno: 'EINVAL', detail: `expected a size like 16M, got "${text}"` });
  });
});
