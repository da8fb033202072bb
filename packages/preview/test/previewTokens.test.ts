import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LINK_TTL_SECONDS, PreviewTokens } from '../src/index.js';

const claims = { sandboxId: 'sb01h00000000000000000000000', port: 5173, epoch: 2 };

describe('preview tokens', () => {
  const tokens = new PreviewTokens('a per-install secret');

  it('verifies a token for exactly its sandbox, port, epoch and kind', async () => {
    const before = Date.now();
    const { token, expiresAt } = await tokens.issue('link', claims);
    assert.ok(expiresAt.getTime() > before + (LINK_TTL_SECONDS - 2) * 1000);
    assert.equal(await tokens.verify(token, 'link', claims), true);
    // Twice: the second answer comes from the cache of verified tokens and must agree.
    assert.equal(await tokens.verify(token, 'link', claims), true);
    assert.equal(await tokens.verify(token, 'cookie', claims), false, 'another kind');
    assert.equal(await tokens.verify(token, 'link', { ...claims, port: 5174 }), false, 'port');
    assert.equal(await tokens.verify(token, 'link', { ...claims, epoch: 3 }), false, 'epoch');
    assert.equal(
      await tokens.verify(token, 'link', { ...claims, sandboxId: 'sb01h00000000000000000000001' }),
      false,
      'sandbox',
    );
  });

  it('refuses tokens signed with another key, altered, or absurdly long', async () => {
    const { token } = await tokens.issue('cookie', claims);
    const other = await new PreviewTokens('another install').issue('cookie', claims);
    assert.equal(await tokens.verify(other.token, 'cookie', claims), false);
    const [h, p, s] = token.split('.') as [string, string, string];
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
    assert.equal(await tokens.verify(flipped, 'cookie', claims), false);
    assert.equal(await tokens.verify('not a token', 'cookie', claims), false);
    assert.equal(await tokens.verify(`${token}${'x'.repeat(2048)}`, 'cookie', claims), false);
  });
});
