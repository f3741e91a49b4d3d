// A Credo agent in this process: Askar for storage and keys (in memory), and the few agent
// dependencies @credo-ts/node would give (it is not published for Credo 0.6).
//
// The Askar Node bindings are imported before @credo-ts/askar, which expects them registered.
// Their native library comes from the Python wheel aries-askar (LIB_ASKAR_PATH, set by the
// fixture): the npm package's install script downloads it, which cannot work offline.

import { askar } from '@openwallet-foundation/askar-nodejs';
import { AskarModule } from '@credo-ts/askar';
import { Agent, ConsoleLogger, CredoError, LogLevel, replaceError } from '@credo-ts/core';
import { Store } from '@openwallet-foundation/askar-shared';
import { EventEmitter } from 'node:events';
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';

// Credo builds its FileSystem without arguments: the base directory is set once per process.
let baseDirectory = null;

export function setBaseDirectory(directory) {
  baseDirectory = directory;
}

class PeerFileSystem {
  constructor() {
    if (!baseDirectory) throw new CredoError('setBaseDirectory() was not called');
    this.dataPath = join(baseDirectory, 'data');
    this.cachePath = join(baseDirectory, 'cache');
    this.tempPath = join(baseDirectory, 'tmp');
  }

  async exists(path) {
    try {
      await fs.access(path);
      return true;
    } catch {
      return false;
    }
  }

  async createDirectory(path) {
    await fs.mkdir(dirname(path), { recursive: true });
  }

  async copyFile(source, destination) {
    await fs.copyFile(source, destination);
  }

  async write(path, data) {
    await fs.mkdir(dirname(path), { recursive: true });
    await fs.writeFile(path, data, 'utf8');
  }

  async read(path) {
    return fs.readFile(path, 'utf8');
  }

  async delete(path) {
    await fs.rm(path, { recursive: true, force: true });
  }

  async downloadToFile(url) {
    // Only DIDComm's ledger modules download files; none is used here.
    throw new CredoError(`The wallet peer downloads no files (${url})`);
  }
}

// No DIDComm here, so nothing opens a WebSocket; Node 20 has no global one to hand over.
class NoWebSocket {
  constructor() {
    throw new CredoError('The wallet peer does not use WebSockets');
  }
}

// Credo's ConsoleLogger writes to stdout, which carries only the READY line: log to stderr.
// Its level methods all call log().
class StderrLogger extends ConsoleLogger {
  log(level, message, data) {
    if (!this.isEnabled(level)) return;
    const suffix = data === undefined ? '' : ` ${JSON.stringify(data, replaceError)}`;
    process.stderr.write(`${new Date().toISOString()} ${LogLevel[level]} ${message}${suffix}\n`);
  }
}

/**
 * Start a Credo agent with an in-memory Askar store.
 *
 * @param {object} options
 * @param {string} options.name  the store's id (one store per agent)
 * @param {object} options.modules  Credo modules besides Askar
 * @param {typeof fetch} [options.fetch]  the agent's HTTP client (the holder's records requests)
 * @param {string} [options.logLevel]  Credo's log level name, "warn" when not given
 */
export async function startAgent({ name, modules, fetch: agentFetch = fetch, logLevel = 'warn' }) {
  const agent = new Agent({
    config: {
      // Everything runs over http on localhost in the tests.
      allowInsecureHttpUrls: true,
      logger: new StderrLogger(LogLevel[logLevel] ?? LogLevel.warn),
    },
    dependencies: {
      FileSystem: PeerFileSystem,
      EventEmitterClass: EventEmitter,
      fetch: agentFetch,
      WebSocketClass: NoWebSocket,
    },
    modules: {
      askar: new AskarModule({
        askar,
        store: {
          id: name,
          // A raw key: no key derivation (Argon2) for a store that lives as long as the process.
          key: Store.generateRawKey(),
          keyDerivationMethod: 'raw',
          database: { type: 'sqlite', config: { inMemory: true } },
        },
      }),
      ...modules,
    },
  });
  await agent.initialize();
  return agent;
}
