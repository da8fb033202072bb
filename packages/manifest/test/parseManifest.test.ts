import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MANIFEST_LIMITS, parseManifest, type ManifestIssue } from '../src/index.js';

function errors(text: string): ManifestIssue[] {
  const r = parseManifest(text);
  assert.equal(r.valid, false, 'expected the manifest to be refused');
  return r.valid ? [] : r.errors;
}

describe('parseManifest', () => {
  it('accepts a full manifest and fills in defaults', () => {
    const r = parseManifest(
      [
        'version: 1',
        'web:',
        '  command: npm run dev -- --port 3000 --host 0.0.0.0',
        '  port: 3000',
        'build:',
        '  command: npm run build',
        'workers:',
        '  - name: queue',
        '    command: node worker.js',
        '    restart_after_task: true',
      ].join('\n'),
    );
    assert.deepEqual(r, {
      valid: true,
      manifest: {
        version: 1,
        web: {
          command: 'npm run dev -- --port 3000 --host 0.0.0.0',
          port: 3000,
          health_path: '/',
          restart_after_task: false,
        },
        build: {
          command: 'npm run build',
          timeout_seconds: MANIFEST_LIMITS.defaultBuildTimeoutSeconds,
        },
        workers: [{ name: 'queue', command: 'node worker.js', restart_after_task: true }],
      },
    });
  });

  it('keeps absent build and explicitly empty build apart', () => {
    const absent = parseManifest('version: 1\nworkers:\n  - {name: w, command: run}\n');
    assert.ok(absent.valid && absent.manifest.build === undefined, 'absent: the preset default');
    assert.ok(absent.valid && absent.manifest.web === undefined, 'worker-only apps have no web');
    for (const empty of ['""', '', "''"]) {
      const r = parseManifest(
        `version: 1\nweb: {command: x, port: 80}\nbuild:\n  command: ${empty}\n`,
      );
      assert.ok(r.valid, `build.command ${empty || '(null)'}`);
      assert.deepEqual(r.valid && r.manifest.build, {
        command: '',
        timeout_seconds: MANIFEST_LIMITS.defaultBuildTimeoutSeconds,
      });
    }
  });

  it('reports every problem with its line, column and path', () => {
    const found = errors(
      [
        'version: 1', // 1
        'web:', // 2
        '  comand: npm start', // 3
        '  port: "3000"', // 4
        'workers:', // 5
        '  - name: a', // 6
        '    command: x', // 7
        '  - name: a', // 8
        '    command: ""', // 9
        '  - name: web', // 10
        '    command: y', // 11
        '  - name: "no spaces"', // 12
        '    command: z', // 13
        'extra: true', // 14
      ].join('\n'),
    );
    const brief = found.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`);
    assert.deepEqual(brief, [
      '14:1 extra: unknown key "extra"',
      '3:3 web.comand: unknown key "comand" (did you mean "command"?)',
      '3:3 web.command: `command` is required',
      '4:9 web.port: must be an integer',
      '8:11 workers[1].name: "a" is already used by workers[0]',
      '9:14 workers[1].command: the command is empty',
      '10:11 workers[2].name: "web" is reserved',
      '12:11 workers[3].name: names are 1–64 of A-Z a-z 0-9 _ -',
    ]);
  });

  it('refuses YAML errors, duplicate keys, aliases and oversize input with positions', () => {
    const dup = errors('version: 1\nweb:\n  command: x\n  port: 1\n  port: 2\n');
    assert.equal(dup[0]?.line, 5);
    assert.match(dup[0]!.message, /unique/i);
    const syntax = errors('version: 1\n  bad: indent: here\n');
    assert.equal(syntax[0]?.line, 1);
    const alias = errors('version: 1\nweb: &w {command: x, port: 1}\nworkers: *w\n');
    assert.equal(alias[0]?.line, 3);
    assert.match(alias[0]!.message, /aliases/);
    const big = errors(`version: 1\n# ${'x'.repeat(MANIFEST_LIMITS.maxBytes)}\n`);
    assert.match(big[0]!.message, /larger than/);
  });

  it('refuses a wrong version, a non-mapping document and a manifest that runs nothing', () => {
    assert.match(errors('version: 2\nweb: {command: x, port: 1}\n')[0]!.message, /version: 1/);
    assert.match(errors('- just\n- a list\n')[0]!.message, /mapping/);
    assert.match(errors('')[0]!.message, /mapping/);
    assert.match(errors('version: 1\n')[0]!.message, /nothing to run/);
    assert.match(errors('version: 1\nweb: {command: x, port: 70000}\n')[0]!.message, /1 to 65535/);
    assert.match(
      errors('version: 1\nweb: {command: x, port: 1, health_path: health}\n')[0]!.message,
      /start/,
    );
    assert.match(
      errors('version: 1\nweb: {command: x, port: 1, restart_after_task: yes}\n')[0]!.message,
      /true or false/,
    );
    assert.match(errors('version: 1\nworkers: {name: w}\n')[0]!.message, /list/);
  });
  it('takes an egress baseline of host names, absent unless declared', () => {
    const absent = parseManifest('version: 1\nweb: {command: x, port: 1}\n');
    assert.ok(absent.valid && absent.manifest.egress === undefined, 'absent: the preset default');
    const r = parseManifest(
      [
        'version: 1',
        'web: {command: x, port: 1}',
        'egress:',
        '  allow:',
        '    - registry.npmjs.org',
        '    - "*.pythonhosted.org"',
      ].join('\n'),
    );
    assert.ok(r.valid, JSON.stringify(r));
    assert.deepEqual(r.manifest.egress, { allow: ['registry.npmjs.org', '*.pythonhosted.org'] });
    const empty = parseManifest('version: 1\nweb: {command: x, port: 1}\negress: {allow: []}\n');
    assert.deepEqual(empty.valid && empty.manifest.egress, { allow: [] }, 'an explicit opt-out');
  });

  it('takes the filestores an app sandbox has, read-only unless rw', () => {
    const r = parseManifest(
      [
        'version: 1',
        'web: {command: x, port: 1}',
        'filestores:',
        '  - {name: uploads, path: /data/uploads, mode: rw}',
        '  - {name: models, path: /data/models}',
      ].join('\n'),
    );
    assert.ok(r.valid, JSON.stringify(r));
    assert.deepEqual(r.manifest.filestores, [
      { name: 'uploads', path: '/data/uploads', mode: 'rw' },
      { name: 'models', path: '/data/models', mode: 'ro' },
    ]);
  });

  it('reports bad filestores entries with their paths', () => {
    const found = errors(
      [
        'version: 1',
        'web: {command: x, port: 1}',
        'filestores:',
        '  - {name: Up, path: /data/a}',
        '  - {name: b, path: /etc/b}',
        '  - {name: c, path: /data/c, mode: rwx}',
        '  - {name: d, path: /data/a/d}',
        '  - {name: e}',
      ].join('\n'),
    ).map((e) => e.path);
    assert.deepEqual(found, [
      'filestores[0].name',
      'filestores[1].path',
      'filestores[2].mode',
      'filestores[4]',
    ]);
    assert.match(
      errors('version: 1\nweb: {command: x, port: 1}\nfilestores: {}\n')[0]!.message,
      /list/,
    );
  });

  it('reports each bad egress entry with its line, column and path', () => {
    const found = errors(
      [
        'version: 1', // 1
        'web: {command: x, port: 1}', // 2
        'egress:', // 3
        '  allow:', // 4
        '    - pypi.org', // 5
        '    - pypi.org', // 6
        '    - Registry.NPMJS.org', // 7
        '    - https://example.com/', // 8
        '    - 10.0.0.1', // 9
        '    - 42', // 10
        '  deny: [x.example.com]', // 11
      ].join('\n'),
    );
    const brief = found.map((e) => `${e.line}:${e.column} ${e.path}`);
    assert.deepEqual(brief, [
      '11:3 egress.deny',
      '6:7 egress.allow[1]',
      '7:7 egress.allow[2]',
      '8:7 egress.allow[3]',
      '9:7 egress.allow[4]',
      '10:7 egress.allow[5]',
    ]);
    assert.match(found[1]!.message, /already listed/);
    assert.match(found[2]!.message, /lower-case host name/);
    assert.match(errors('version: 1\nworkers: []\negress: [a.com]\n')[0]!.message, /mapping/);
    assert.match(errors('version: 1\nworkers: []\negress: {}\n')[0]!.message, /required/);
    assert.match(
      errors('version: 1\nworkers: []\negress: {allow: a.com}\n')[0]!.message,
      /list of hosts/,
    );
    const many = Array.from({ length: MANIFEST_LIMITS.maxEgressHosts + 1 }, (_, i) => `h${i}.com`);
    const tooMany = errors(`version: 1\nworkers: []\negress: {allow: [${many.join(', ')}]}\n`);
    assert.match(tooMany[0]!.message, /at most 64/);
  });

  it('takes a publish section and fills in its defaults', () => {
    const web = parseManifest(
      [
        'version: 1',
        'web: {command: x, port: 1}',
        'publish:',
        '  output: dist/',
        '  permissions: [app.kv, "network:https://api.example.com"]',
        '  optional_permissions: [app.notify]',
        '  description: A shop',
        '  icon: favicon.svg',
      ].join('\n'),
    );
    assert.ok(web.valid, JSON.stringify(web));
    assert.deepEqual(web.manifest.publish, {
      type: 'web',
      description: 'A shop',
      icon: 'favicon.svg',
      permissions: ['app.kv', 'network:https://api.example.com'],
      optional_permissions: ['app.notify'],
      output: 'dist',
      entry: MANIFEST_LIMITS.publish.defaultEntry,
    });
    const service = parseManifest(
      'version: 1\nworkers: []\npublish: {type: service, name: Jobs, version_label: "1.2"}\n',
    );
    assert.ok(service.valid, JSON.stringify(service));
    assert.deepEqual(service.manifest.publish, {
      name: 'Jobs',
      type: 'service',
      permissions: [],
      optional_permissions: [],
      version_label: '1.2',
    });
    const absent = parseManifest('version: 1\nweb: {command: x, port: 1}\n');
    assert.ok(absent.valid && absent.manifest.publish === undefined);
  });

  it('reports each publish problem with its line, column and path', () => {
    const found = errors(
      [
        'version: 1', // 1
        'web: {command: x, port: 1}', // 2
        'publish:', // 3
        '  type: mobile', // 4
        '  output: ../dist', // 5
        '  entry: /index.html', // 6
        '  permissions: [app.kv, app.kv, app.everything, "network:http://x.com"]', // 7
        '  optional_permissions: [app.kv]', // 8
        '  name: ""', // 9
        '  versoin_label: x', // 10
      ].join('\n'),
    );
    const brief = found.map((e) => `${e.line}:${e.column} ${e.path}`);
    assert.deepEqual(brief, [
      '10:3 publish.versoin_label',
      '9:9 publish.name',
      '4:9 publish.type',
      '7:25 publish.permissions[1]',
      '7:33 publish.permissions[2]',
      '7:49 publish.permissions[3]',
      '8:25 publish.optional_permissions',
      '5:11 publish.output',
      '6:10 publish.entry',
    ]);
    assert.match(found[0]!.message, /did you mean "version_label"/);
    assert.match(found[3]!.message, /already listed/);
    assert.match(found[4]!.message, /not a capability/);
    assert.match(found[6]!.message, /already required/);
    assert.match(found[7]!.message, /"\.\."/);
    assert.match(found[8]!.message, /relative/);
  });

  it('keeps web and service packages apart: output for web, the workspace for a service', () => {
    const noOutput = errors('version: 1\nweb: {command: x, port: 1}\npublish: {type: web}\n');
    assert.equal(noOutput[0]?.path, 'publish.output');
    assert.equal(noOutput[0]?.line, 3);
    assert.match(noOutput[0]!.message, /output directory/);
    const service = errors(
      'version: 1\nworkers: []\npublish:\n  type: service\n  output: dist\n  entry: a.html\n',
    );
    assert.deepEqual(
      service.map((e) => `${e.line} ${e.path}`),
      ['5 publish.output', '6 publish.entry'],
    );
    assert.match(errors('version: 1\nworkers: []\npublish: [web]\n')[0]!.message, /mapping/);
    const many = Array.from({ length: 65 }, (_, i) => `network:https://h${i}.com`);
    const tooMany = errors(
      `version: 1\nworkers: []\npublish: {type: service, permissions: [${many.join(', ')}]}\n`,
    );
    assert.match(tooMany[0]!.message, /at most 64/);
  });
});
