// Mends three faults of postgres.js 3.4.x in the installed copy (run by npm after every install).
//
// 1. A connection that closes while a small write waits for its setImmediate: the write then runs on a null
//    socket and throws where no caller can catch it, and the whole process exits. A transaction hits this
//    by itself: its own ROLLBACK after the failed query is that write (porsager/postgres#1208, #1154; fixes
//    proposed in PRs #1209 and #1176, none released). Mended as PR #1209 does: the write's queries are
//    rejected with CONNECTION_CLOSED instead.
// 2. closed() cancels that waiting write but keeps its bytes and its timer. The connection's reconnect then
//    appends its startup message to the stale bytes and never sends them (a timer is "already set"), so
//    the connection hangs until its connect timeout, again and again: the pool loses it for good. Mended by
//    forgetting the write when the socket is gone.
// 3. closed() fails the query in flight but keeps it, and keeps the error the server sent before closing
//    (57P01 when PostgreSQL shuts down or a backend is terminated). The reconnected connection's first
//    ReadyForQuery then fails the next query with that old error. Mended by forgetting both once failed.
//
// test/postgres-closed-write.test.ts reproduces all three (a transaction whose backend is terminated). Each edit
// is applied once; where the text is not found (a release changed it, perhaps fixing it), nothing is
// changed and a line says so, so the test tells whether the release still needs it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const MARK = '/* salesrelay: closed-socket guard */';
const edits = [
  {
    what: 'a write that finds its socket closed rejects its queries',
    from: '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)\n',
    to: `  function nextWrite(fn) {
    if (!socket) { ${MARK}
      nextWriteTimer !== null && clearImmediate(nextWriteTimer)
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options))
      return false
    }
    const x = socket.write(chunk, fn)
`,
  },
  {
    what: 'a closed connection forgets the query it has just failed, and that query’s error',
    from: "    !hadError && (query || sent.length) && error(Errors.connection('CONNECTION_CLOSED', options, socket))\n",
    to: `    !hadError && (query || sent.length) && error(Errors.connection('CONNECTION_CLOSED', options, socket))
    query = results = errorResponse = null ${MARK}
    result = new Result()
`,
  },
  {
    what: 'a closed connection forgets the write it had waiting',
    from: '    incomings = null\n    clearImmediate(nextWriteTimer)\n    socket.removeListener',
    to: `    incomings = null\n    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null ${MARK}\n    socket.removeListener`,
  },
];

let root;
try {
  root = join(dirname(createRequire(import.meta.url).resolve('postgres')), '..', '..');
} catch {
  process.exit(0); // not installed (yet): nothing to mend
}
if (!existsSync(join(root, 'package.json'))) root = dirname(root);
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

for (const file of ['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js']) {
  const path = join(root, file);
  if (!existsSync(path)) continue;
  let text = readFileSync(path, 'utf8');
  let changed = false;
  for (const edit of edits) {
    if (text.includes(edit.to)) continue;
    if (!text.includes(edit.from)) {
      console.warn(`patch-postgres: postgres ${version} ${file}: text not found, not mended: ${edit.what}`);
      continue;
    }
    text = text.replace(edit.from, edit.to);
    changed = true;
  }
  if (changed) writeFileSync(path, text);
}
