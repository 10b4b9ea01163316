import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, INTERNAL_ERROR_CASE } from '#libs/api-docs';
import type { Response } from 'express';
import { MetricsService } from './metrics.service.js';

@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @ApiOperation({ operationId: 'metrics', summary: 'Prometheus metrics of this node, prefix `switchboard_` (README "Metrics")' })
  @ApiOkResponse({
    description: 'the Prometheus text exposition format',
    content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' }, example: 'switchboard_connections 12\n' } },
  })
  @ApiErrors({ 500: [INTERNAL_ERROR_CASE] })
  async scrape(@Res() response: Response): Promise<void> {
    response.setHeader('Content-Type', this.metrics.registry.contentType);
    response.send(await this.metrics.scrape());
  }
}
