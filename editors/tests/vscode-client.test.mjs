// The extension's language client: it starts `fleetplan lsp` when the binary is found and stays
// highlighting-only when it is not (or when vscode-languageclient is not installed). VS Code and
// the client library are replaced by stand-ins that record what the extension asks of them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EDITORS } from './lib/paths.mjs';

const require = createRequire(import.meta.url);
const VSCODE = path.join(EDITORS, 'vscode');
const { findExecutable } = require(path.join(VSCODE, 'server.js'));

function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-client-'));
}

function fakeBinary(dir, name = 'fleetplan', mode = 0o755) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\n');
  fs.chmodSync(file, mode);
  return file;
}

// Loads extension.js afresh with stand-ins for `vscode` and the client library, runs
// `activate` with `PATH` set to `pathVar`, and returns what happened.
async function activate(pathVar, { withClient = true, setting } = {}) {
  const log = [];
  const started = [];
  const vscode = {
    window: { createOutputChannel: () => ({ appendLine: (l) => log.push(l), dispose() {} }) },
    workspace: { getConfiguration: () => ({ get: (key) => (key === 'server.path' ? setting : undefined) }) },
  };
  class LanguageClient {
    constructor(id, name, server, options) {
      started.push({ id, name, server, options });
    }
    start() {
      return Promise.resolve();
    }
    stop() {
      return Promise.resolve();
    }
  }
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request === 'vscode') return vscode;
    if (request === 'vscode-languageclient/node') {
      if (!withClient) throw new Error("Cannot find module 'vscode-languageclient/node'");
      return { LanguageClient };
    }
    return load.call(this, request, ...rest);
  };
  const savedPath = process.env.PATH;
  const file = path.join(VSCODE, 'extension.js');
  delete require.cache[require.resolve(file)];
  try {
    process.env.PATH = pathVar;
    const extension = require(file);
    await extension.activate({ subscriptions: [] });
    await extension.deactivate();
  } finally {
    process.env.PATH = savedPath;
    Module._load = load;
  }
  return { log, started };
}

describe('VS Code language client', () => {
  it('finds an executable on the PATH, and only an executable', () => {
    const dir = tempDir();
    assert.equal(findExecutable('fleetplan', { PATH: dir }, 'linux'), undefined);
    fakeBinary(dir, 'fleetplan', 0o644);
    assert.equal(findExecutable('fleetplan', { PATH: dir }, 'linux'), undefined, 'not executable');
    const other = tempDir();
    const binary = fakeBinary(other);
    assert.equal(findExecutable('fleetplan', { PATH: [dir, other].join(':') }, 'linux'), binary);
    assert.equal(findExecutable(binary, { PATH: '' }, 'linux'), binary, 'a path is used as it is');
    assert.equal(findExecutable('fleetplan', {}, 'linux'), undefined, 'no PATH at all');
  });

  it('starts `fleetplan lsp` for fleet documents when the binary is on the PATH', async () => {
    const dir = tempDir();
    const binary = fakeBinary(dir);
    const { started } = await activate(dir);
    assert.equal(started.length, 1);
    const [{ server, options }] = started;
    assert.deepEqual(server.run, { command: binary, args: ['lsp'] });
    assert.deepEqual(options.documentSelector, [{ language: 'fleet' }]);
  });

  it('uses the fleet.server.path setting before the PATH', async () => {
    const binary = fakeBinary(tempDir(), 'my-fleetplan');
    const { started } = await activate('', { setting: binary });
    assert.equal(started[0].server.run.command, binary);
  });

  it('stays highlighting-only without the binary', async () => {
    const { started, log } = await activate(tempDir());
    assert.equal(started.length, 0);
    assert.match(log.join('\n'), /highlighting only/);
  });

  it('stays highlighting-only without vscode-languageclient installed', async () => {
    const dir = tempDir();
    fakeBinary(dir);
    const { started, log } = await activate(dir, { withClient: false });
    assert.equal(started.length, 0);
    assert.match(log.join('\n'), /npm install/);
  });

  it('declares its entry point, activation and dependency in the manifest', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(VSCODE, 'package.json'), 'utf8'));
    assert.ok(fs.existsSync(path.resolve(VSCODE, manifest.main)), manifest.main);
    assert.deepEqual(manifest.activationEvents, ['onLanguage:fleet']);
    assert.ok(manifest.dependencies['vscode-languageclient']);
    // The language client library ships inside the package (vsce keeps only what `files` lists).
    assert.ok(manifest.files.includes('node_modules/**'));
    for (const file of manifest.files.filter((f) => !f.includes('*'))) {
      assert.ok(fs.existsSync(path.join(VSCODE, file)), file);
    }
  });
});
