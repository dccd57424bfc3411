// SQLite (better-sqlite3). DATABASE_FILENAME must name a file in an existing folder.
// WAL with synchronous=NORMAL: a killed process loses nothing committed (the OS has it); only a
// power cut can lose the newest transactions. Readers (tests, backups) never block writers.
const path = require('path');

module.exports = ({ env }) => ({
  connection: {
    client: 'sqlite',
    connection: {
      filename: path.resolve(env('DATABASE_FILENAME', '.tmp/data.db')),
    },
    useNullAsDefault: true,
    pool: {
      afterCreate(conn, done) {
        conn.pragma('journal_mode = WAL');
        conn.pragma('synchronous = NORMAL');
        done();
      },
    },
  },
});
