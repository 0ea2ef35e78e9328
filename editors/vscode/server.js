// Finding the `fleetplan` binary: no dependency on VS Code, so the tests run it in plain Node.
'use strict';

const fs = require('fs');
const path = require('path');

// The executable that `command` names: itself when it is a path, else the first match on the
// PATH (with Windows' PATHEXT endings). `undefined` when there is none: the extension then
// stays highlighting-only.
function findExecutable(command, env = process.env, platform = process.platform) {
  if (!command) return undefined;
  const isFile = (p) => {
    try {
      const stat = fs.statSync(p);
      if (!stat.isFile()) return false;
      if (platform !== 'win32') fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const endings = platform === 'win32' ? ['', ...(env.PATHEXT || '.EXE;.CMD;.BAT').split(';')] : [''];
  if (command.includes('/') || command.includes('\\')) {
    return endings.map((e) => command + e).find(isFile);
  }
  const dirs = (env.PATH || env.Path || '').split(platform === 'win32' ? ';' : ':').filter(Boolean);
  for (const dir of dirs) {
    for (const ending of endings) {
      const candidate = path.join(dir, command + ending);
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

module.exports = { findExecutable };
