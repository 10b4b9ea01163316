import kafkajs from 'kafkajs';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBinary } from './ensure-binary.js';
import { withFileLock } from './file-lock.js';
import { freePorts } from './free-port.js';
import { describeExit, makeTempDir, sleep, spawnManaged, tailFile, terminate, type ManagedProcess } from './managed-process.js';

/**
 * A real Apache Kafka broker for integration tests: one JVM running a combined
 * broker+controller in KRaft mode (no ZooKeeper), on free ports of 127.0.0.1,
 * with its data in a temp dir. The jars come from Maven Central through
 * test/infra/kafka/pom.xml and are cached in <repo>/.cache/kafka-<version>/libs.
 *
 *   const kafka = await startKafka({ partitions: 3 });
 *   new Kafka({ brokers: [kafka.brokers] });
 *   await kafka.kill(); await kafka.restart();   // same port, same data
 */

/**
 * Newest Kafka 4.x on Maven Central (test/infra/kafka/pom.xml excludes kafka-tools-api, whose
 * 4.4.0 jar is not published there and which the broker never loads). Override with
 * SWITCHBOARD_KAFKA_VERSION=4.3.1 etc.
 */
export const KAFKA_VERSION = process.env.SWITCHBOARD_KAFKA_VERSION ?? '4.4.0';

/** Small-heap JVM for a 2-core box: serial GC, C1 only (fast start-up, light on CPU). */
export const DEFAULT_KAFKA_JVM_OPTS = [
  '-Xms256m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:-UsePerfData',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];

export interface KafkaBroker {
  /** The PLAINTEXT (client) port. */
  port: number;
  /** The KRaft CONTROLLER listener port (clients never use it). */
  controllerPort: number;
  /** "127.0.0.1:PORT", for a client's bootstrap brokers list. */
  brokers: string;
  version: string;
  clusterId: string;
  /** Temp dir holding server.properties, log4j2.properties, kafka.log (broker output) and data/. */
  dir: string;
  /** Milliseconds from spawning the JVM to ready (a kafkajs admin's describeCluster() listing this broker), for the last (re)start. */
  startupMs: number;
  /** Milliseconds the one-off `kafka-storage format` took (first start only). */
  formatMs: number;
  /** Milliseconds spent fetching jars with Maven in this process (0 when the cache was already complete). */
  fetchMs: number;
  /** SIGTERM (controlled shutdown), wait for exit; SIGKILL after 30 s. No-op when not running. */
  stop(): Promise<void>;
  /** SIGKILL, wait for exit. No-op when not running. */
  kill(): Promise<void>;
  /** Start again on the SAME ports with the SAME storage (stopping first if still running), wait until ready. */
  restart(): Promise<void>;
  isRunning(): boolean;
  /** Tail of the broker's log (kafka.log). */
  logs(maxBytes?: number): string;
}

export interface StartKafkaOptions {
  /** num.partitions for auto-created topics. Default 3. */
  partitions?: number;
  /** Default 120 s (first JIT-cold start on a busy 2-core box). */
  readyTimeoutMs?: number;
  /** Extra/overriding server.properties entries. */
  properties?: Record<string, string | number | boolean>;
  /** Replaces DEFAULT_KAFKA_JVM_OPTS (env SWITCHBOARD_KAFKA_JVM_OPTS, space separated, does too). */
  jvmOpts?: string[];
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const POM = fileURLToPath(new URL('./kafka/pom.xml', import.meta.url));

export function kafkaCacheDir(version = KAFKA_VERSION): string {
  return join(REPO_ROOT, '.cache', `kafka-${version}`);
}

// ---------------------------------------------------------------------------
// Jars

interface LibsManifest {
  version: string;
  jars: string[];
}

function libsComplete(cacheDir: string, version: string): boolean {
  const manifestPath = join(cacheDir, 'libs.json');
  const libs = join(cacheDir, 'libs');
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as LibsManifest;
    if (manifest.version !== version || manifest.jars.length === 0) return false;
    if (!manifest.jars.some((jar) => jar.startsWith(`kafka_2.13-${version}`))) return false;
    return manifest.jars.every((jar) => existsSync(join(libs, jar)));
  } catch {
    return false;
  }
}

function runMaven(mvn: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(mvn, args, { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 20 * 60_000 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (!error) resolve({ code: 0, output });
      else resolve({ code: typeof error.code === 'number' ? error.code : 1, output: error.killed ? `${output}\n(timed out, killed)` : output });
    });
  });
}

let ensureLibsPromise: Promise<{ libs: string; fetchMs: number }> | undefined;

/**
 * Path of the folder with Kafka's jars, fetching them with Maven when the cache
 * is missing or incomplete (once per machine: file lock + manifest).
 */
export function ensureKafkaLibs(version = KAFKA_VERSION): Promise<{ libs: string; fetchMs: number }> {
  if (version === KAFKA_VERSION && ensureLibsPromise) return ensureLibsPromise;
  const promise = (async () => {
    const cacheDir = kafkaCacheDir(version);
    const libs = join(cacheDir, 'libs');
    if (libsComplete(cacheDir, version)) return { libs, fetchMs: 0 };
    const mvn = await ensureBinary('mvn', 'maven');
    await ensureBinary('java', 'openjdk-17-jre-headless');
    mkdirSync(cacheDir, { recursive: true });
    return withFileLock(join(REPO_ROOT, '.cache', `kafka-${version}.lock`), async () => {
      if (libsComplete(cacheDir, version)) return { libs, fetchMs: 0 };
      const began = performance.now();
      const staging = join(cacheDir, `libs.staging-${process.pid}`);
      rmSync(staging, { recursive: true, force: true });
      const args = [
        '-B', '-ntp', '-Dstyle.color=never',
        '-f', POM,
        `-Dkafka.version=${version}`,
        `-Dkafka.libs.dir=${staging}`,
        'dependency:copy-dependencies',
      ];
      const result = await runMaven(mvn, args);
      if (result.code !== 0) {
        rmSync(staging, { recursive: true, force: true });
        throw new Error(
          `Fetching Kafka ${version} jars failed: 'mvn ${args.join(' ')}' exited with ${result.code}. Maven output:\n` +
            result.output.slice(-12_000),
        );
      }
      const jars = readdirSync(staging).filter((name) => name.endsWith('.jar')).sort();
      rmSync(libs, { recursive: true, force: true });
      renameSync(staging, libs);
      writeFileSync(join(cacheDir, 'libs.json'), `${JSON.stringify({ version, jars } satisfies LibsManifest, null, 2)}\n`);
      if (!libsComplete(cacheDir, version)) {
        throw new Error(`Fetching Kafka ${version} jars: Maven succeeded but ${libs} has no kafka_2.13-${version}.jar. Maven output:\n${result.output.slice(-12_000)}`);
      }
      return { libs, fetchMs: Math.round(performance.now() - began) };
    });
  })();
  if (version === KAFKA_VERSION) {
    ensureLibsPromise = promise;
    promise.catch(() => {
      ensureLibsPromise = undefined;
    });
  }
  return promise;
}

// ---------------------------------------------------------------------------
// Readiness probe

/**
 * True once a kafkajs admin client connects and describeCluster() (a Metadata request) lists
 * this broker: then the PLAINTEXT listener is up and the node has registered with its
 * controller. Any error (connection refused, timeout, no broker yet) means not ready yet, so
 * the client does not retry on its own (the caller polls) and logs nothing (the refused
 * connections of a starting broker are expected).
 */
async function brokerReady(port: number): Promise<boolean> {
  const admin = new kafkajs.Kafka({
    clientId: 'switchboard-test-probe',
    brokers: [`127.0.0.1:${port}`],
    logLevel: kafkajs.logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const { brokers } = await admin.describeCluster();
    return brokers.some((broker) => broker.port === port);
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------
// Broker

function kafkaClusterId(): string {
  // Kafka's Uuid: 16 random bytes, base64url without padding (22 chars). Avoid a leading '-'
  // (Kafka's own generator does, as it breaks CLI argument parsing).
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(options: {
  port: number;
  controllerPort: number;
  dataDir: string;
  partitions: number;
  extra: Record<string, string | number | boolean>;
}): string {
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${options.controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${options.port},CONTROLLER://127.0.0.1:${options.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${options.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': options.dataDir,
    'num.partitions': options.partitions,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'auto.create.topics.enable': true,
    'delete.topic.enable': true,
    // Internal topics on one node: replication 1, few partitions (created faster on first use).
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'share.coordinator.state.topic.num.partitions': 1,
    // No waiting for more members before the first rebalance.
    'group.initial.rebalance.delay.ms': 0,
    // Register/unfence quickly. After a kill() the restarted node's controller refuses the
    // new registration (DUPLICATE_BROKER_REGISTRATION) until the old session expires, so the
    // session timeout is added to every restart-after-kill: 3 s instead of the default 9 s.
    'broker.heartbeat.interval.ms': 500,
    'broker.session.timeout.ms': 3000,
    // Fewer threads on a 2-core machine.
    'num.network.threads': 2,
    'num.io.threads': 2,
    'background.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
    'log.cleaner.threads': 1,
    'log.cleaner.dedupe.buffer.size': 2 * 1024 * 1024,
    'log.retention.check.interval.ms': 60_000,
    ...options.extra,
  };
  return `${Object.entries(props)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join('\n')}\n`;
}

const LOG4J2_PROPERTIES = `status = error
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
# The full config dumps are long and say nothing a test needs.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
logger.appinfo.name = org.apache.kafka.common.utils.AppInfoParser
logger.appinfo.level = WARN
`;

export async function startKafka(opts: StartKafkaOptions = {}): Promise<KafkaBroker> {
  const java = await ensureBinary('java', 'openjdk-17-jre-headless');
  const { libs, fetchMs } = await ensureKafkaLibs(KAFKA_VERSION);
  const [port, controllerPort] = (await freePorts(2)) as [number, number];
  const readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
  const dir = makeTempDir(`switchboard-kafka-${port}-`);
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'server.properties');
  const log4jFile = join(dir, 'log4j2.properties');
  const logFile = join(dir, 'kafka.log');
  const clusterId = kafkaClusterId();
  writeFileSync(
    configFile,
    serverProperties({ port, controllerPort, dataDir, partitions: opts.partitions ?? 3, extra: opts.properties ?? {} }),
  );
  writeFileSync(log4jFile, LOG4J2_PROPERTIES);
  const envJvmOpts = process.env.SWITCHBOARD_KAFKA_JVM_OPTS?.split(/\s+/).filter(Boolean);
  const jvmOpts = opts.jvmOpts ?? envJvmOpts ?? DEFAULT_KAFKA_JVM_OPTS;
  const javaArgs = (mainClass: string, args: string[]): string[] => [
    ...jvmOpts,
    `-Dlog4j2.configurationFile=${log4jFile}`,
    `-Dkafka.logs.dir=${dir}`,
    '-cp',
    `${libs}/*`,
    mainClass,
    ...args,
  ];

  // One-off storage format (KRaft needs meta.properties + bootstrap metadata before the first start).
  const formatBegan = performance.now();
  const formatLog = join(dir, 'format.log');
  const formatter = spawnManaged(java, javaArgs('kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', configFile]), {
    cwd: dir,
    logFile: formatLog,
    cleanupDir: dir,
  });
  formatter.child.ref();
  const formatted = await formatter.exited;
  if (formatted.code !== 0) {
    throw new Error(`kafka-storage format ${describeExit(formatted)}. Output:\n${tailFile(formatLog)}`);
  }
  const formatMs = Math.round(performance.now() - formatBegan);

  let proc: ManagedProcess | undefined;

  async function start(): Promise<number> {
    const began = performance.now();
    proc = spawnManaged(java, javaArgs('kafka.Kafka', [configFile]), { cwd: dir, logFile, cleanupDir: dir });
    const current = proc;
    const deadline = began + readyTimeoutMs;
    while (performance.now() < deadline) {
      if (!current.isRunning()) {
        throw new Error(`Kafka broker (port ${port}) ${describeExit(current.exitInfo())} before becoming ready. Log tail:\n${tailFile(logFile)}`);
      }
      if (await brokerReady(port)) return Math.round(performance.now() - began);
      await sleep(100);
    }
    await terminate(current, 'SIGKILL');
    throw new Error(`Kafka broker (port ${port}) not ready within ${readyTimeoutMs} ms. Log tail:\n${tailFile(logFile)}`);
  }

  const broker: KafkaBroker = {
    port,
    controllerPort,
    brokers: `127.0.0.1:${port}`,
    version: KAFKA_VERSION,
    clusterId,
    dir,
    startupMs: 0,
    formatMs,
    fetchMs,
    async stop() {
      if (proc) await terminate(proc, 'SIGTERM', 30_000);
    },
    async kill() {
      if (proc) await terminate(proc, 'SIGKILL');
    },
    async restart() {
      if (proc?.isRunning()) await terminate(proc, 'SIGTERM', 30_000);
      broker.startupMs = await start();
    },
    isRunning: () => proc?.isRunning() ?? false,
    logs: (maxBytes?: number) => tailFile(logFile, maxBytes),
  };
  broker.startupMs = await start();
  return broker;
}
