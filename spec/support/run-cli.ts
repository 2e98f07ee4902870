import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = `${root}dist/cli/bin.js`;

/** The newest modification time of the files under `dir`, in ms. */
function newest(dir: string): number {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).reduce((most, file) => Math.max(most, statSync(`${dir}/${file}`).mtimeMs), 0);
}

/** Builds dist/ if it is missing or older than lib/ (`npm test` builds first; a lone mocha run may not). */
export function ensureBuilt(): void {
  if (!existsSync(bin) || statSync(bin).mtimeMs < newest(`${root}lib`)) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  }
}

/** Runs the built `rx-cluster` command and resolves with what it printed and its exit code. */
export function runCli(args: string[], timeout = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, timeout, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
