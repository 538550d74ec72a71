/** `backprop report` refuses what it cannot draw, with exit code 2 and one line naming the problem. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ensureBuiltFacade } from '../support/built-facade';
import { fixtureDir, runCli } from '../cli/run-cli';

beforeAll(() => ensureBuiltFacade(), 300_000);

it.each([
  ['no --log', ['report', '--out', 'r.html'], /required option '--log <file>' not specified/],
  ['a log that does not exist', ['report', '--log', 'missing.jsonl'], /^backprop: missing\.jsonl: cannot use \(ENOENT: no such file or directory\)\n$/],
  ['a file that is not a run log', ['report', '--log', 'notes.jsonl'], /^backprop: notes\.jsonl:1: expected a run header or an epoch line of a backprop run log\n$/],
  ['an empty log', ['report', '--log', 'empty.jsonl'], /^backprop: empty\.jsonl: holds no run \(an empty run log\)\n$/],
  ['--model without --data', ['report', '--log', 'run.jsonl', '--model', 'm.safetensors'], /^backprop: --model and --data go together/],
])('refuses %s', (_, args, message) => {
  const dir = fixtureDir({ 'notes.jsonl': '{"note": 1}\n', 'empty.jsonl': '', 'run.jsonl': '{"type":"epoch","epoch":1,"loss":1}\n' });
  const result = runCli(args, dir);
  expect(result.status).toBe(2);
  expect(result.stderr).toMatch(message);
});

it('draws a log of epochs without a header (a run logged by hand or cut before its header)', () => {
  const dir = fixtureDir({ 'run.jsonl': '{"type":"epoch","epoch":1,"loss":1}\n{"type":"epoch","epoch":2,"loss":0.5}\n' });
  const result = runCli(['report', '--log', 'run.jsonl', '--out', 'r.html'], dir);
  expect(result.status).toBe(0);
  expect(result.stderr).toBe('wrote r.html\n');
  expect(readFileSync(path.join(dir, 'r.html'), 'utf8')).toContain('{"type":"epoch","epoch":2,"loss":0.5}');
});
