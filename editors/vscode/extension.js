// The fleet extension: highlighting always (the grammar in package.json), and the language
// server, `fleetplan lsp`, when a `fleetplan` binary is found (setting `fleet.server.path`,
// else the PATH): diagnostics as you type, hover, go to definition, references, completion and
// formatting. Without the binary, or without the language client library (the folder used
// straight from a checkout, before `npm install`), it stays highlighting-only.
'use strict';

const vscode = require('vscode');
const { findExecutable } = require('./server');

let client;

async function activate(context) {
  const output = vscode.window.createOutputChannel('fleet');
  context.subscriptions.push(output);
  const configured = vscode.workspace.getConfiguration('fleet').get('server.path') || 'fleetplan';
  const command = findExecutable(configured);
  if (!command) {
    output.appendLine(`\`${configured}\` is not on the PATH: highlighting only. Install fleetplan or set fleet.server.path.`);
    return;
  }
  let languageclient;
  try {
    languageclient = require('vscode-languageclient/node');
  } catch {
    output.appendLine('vscode-languageclient is not installed (run `npm install` in editors/vscode): highlighting only.');
    return;
  }
  const server = { command, args: ['lsp'] };
  client = new languageclient.LanguageClient(
    'fleet',
    'fleetplan',
    { run: server, debug: server },
    { documentSelector: [{ language: 'fleet' }], outputChannel: output },
  );
  output.appendLine(`starting ${command} lsp`);
  await client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
