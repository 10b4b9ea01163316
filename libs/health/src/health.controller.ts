import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags, type SchemaObject } from '@nestjs/swagger';
import { ApiErrors, INTERNAL_ERROR_CASE } from '#libs/api-docs';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { LoadIndicators } from './load.indicators.js';
import { NodeLifecycle } from './node-lifecycle.js';
import { TransportIndicator } from './transport.indicator.js';

const indicator: SchemaObject = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['up', 'down'] } },
  additionalProperties: true,
};
const indicators: SchemaObject = { type: 'object', additionalProperties: indicator };

/**
 * @nestjs/terminus's result, answered as it is (200 and 503 alike): load balancers and
 * probes read it. `error` names the checks that failed, `details` has them all.
 */
const healthResult = (status: 'ok' | 'error', example: object): SchemaObject => ({
  type: 'object',
  required: ['status', 'details'],
  properties: {
    status: { type: 'string', enum: status === 'ok' ? ['ok'] : ['error', 'shutting_down'] },
    info: indicators,
    error: indicators,
    details: indicators,
  },
  example,
});

const liveExample = { eventLoop: { status: 'up', p99Ms: 11, maxMs: 14, limitMs: 1000 } };
const readyUp = {
  transport: { status: 'up', kind: 'redis', detail: 'redis://127.0.0.1:6379' },
  drain: { status: 'up', draining: false },
  connections: { status: 'up', open: 120, max: 'unlimited' },
};
const drainDown = { drain: { status: 'down', draining: true } };

/**
 * Endpoints for load balancers and orchestrators. `live` answers whether the process
 * works at all and depends on nothing external, so a bus outage never gets healthy
 * nodes restarted; `ready` whether it should be given new clients right now.
 */
@ApiTags('health')
@ApiErrors({ 500: [INTERNAL_ERROR_CASE] })
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly lifecycle: NodeLifecycle,
    private readonly transport: TransportIndicator,
    private readonly load: LoadIndicators,
  ) {}

  @Get('live')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    operationId: 'live',
    summary: 'Liveness: whether the process works',
    description: 'Depends on nothing external: fails only when the event loop stalled longer than EVENT_LOOP_LAG_LIMIT_MS in the last second.',
  })
  @ApiOkResponse({ description: 'the process works', schema: healthResult('ok', { status: 'ok', info: liveExample, error: {}, details: liveExample }) })
  @ApiServiceUnavailableResponse({
    description: 'the event loop stalled: restart the process',
    schema: healthResult('error', { status: 'error', info: {}, error: { eventLoop: { status: 'down', p99Ms: 1500, maxMs: 2300, limitMs: 1000 } }, details: { eventLoop: { status: 'down', p99Ms: 1500, maxMs: 2300, limitMs: 1000 } } }),
  })
  live() {
    return this.health.check([() => this.load.eventLoop()]);
  }

  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    operationId: 'ready',
    summary: 'Readiness: whether the node should get new clients',
    description: 'The transport is connected and subscribed (and answers a round trip within 1 s), the node is not draining, and it is below MAX_CONNECTIONS.',
  })
  @ApiOkResponse({ description: 'ready', schema: healthResult('ok', { status: 'ok', info: readyUp, error: {}, details: readyUp }) })
  @ApiServiceUnavailableResponse({
    description: 'not ready: `error` says which check failed',
    schema: healthResult('error', { status: 'error', info: { transport: readyUp.transport, connections: readyUp.connections }, error: drainDown, details: { ...readyUp, ...drainDown } }),
  })
  ready() {
    return this.health.check([
      () => this.transport.check(),
      () => {
        const session = this.indicators.check('drain');
        return this.lifecycle.draining ? session.down({ draining: true }) : session.up({ draining: false });
      },
      () => this.load.capacity(),
    ]);
  }
}
