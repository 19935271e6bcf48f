import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { installSource } from '../../../cli/install-source.js';

describe('the install source the CLI sends', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gofer-install-source-'));
  after(() => rmSync(cwd, { recursive: true, force: true }));

  it('makes a relative path to a file that exists here absolute', () => {
    writeFileSync(join(cwd, 'ticker.wasm'), 'x');
    mkdirSync(join(cwd, 'plugin-folder'));
    assert.equal(installSource('ticker.wasm', cwd), join(cwd, 'ticker.wasm'));
    assert.equal(installSource('./plugin-folder', cwd), join(cwd, 'plugin-folder'));
    assert.equal(
      installSource('../x/../' + cwd.split('/').pop() + '/ticker.wasm', cwd),
      join(cwd, 'ticker.wasm'),
    );
  });

  it('makes a .wasm or tarball path absolute even when it does not exist here', () => {
    assert.equal(installSource('missing.wasm', cwd), join(cwd, 'missing.wasm'));
    assert.equal(installSource('dist/pkg-1.0.0.tgz', cwd), join(cwd, 'dist', 'pkg-1.0.0.tgz'));
    assert.equal(installSource('pkg.TAR.GZ', cwd), join(cwd, 'pkg.TAR.GZ'));
  });

  it('sends an image reference unchanged unless a file or folder of that name exists here', () => {
    assert.equal(installSource('local/gofer-busybox:1', cwd), 'local/gofer-busybox:1');
    assert.equal(installSource('local/gofer-busybox', cwd), 'local/gofer-busybox');

    mkdirSync(join(cwd, 'local'));
    writeFileSync(join(cwd, 'local', 'gofer-busybox:1'), 'x');
    assert.equal(
      installSource('local/gofer-busybox:1', cwd),
      join(cwd, 'local', 'gofer-busybox:1'),
    );
  });

  it('leaves an absolute path as it is', () => {
    assert.equal(installSource('/opt/ext/ticker.wasm', cwd), '/opt/ext/ticker.wasm');
  });
});
