import { Module } from '@nestjs/common';
import { AgentLiveness } from './agent-liveness.service';
import { AgentLivenessWorker } from './agent-liveness.worker';
import { WorkSignalModule } from '../work/work-signal';
import { LivenessRepository } from './liveness.repository';

/** Agent liveness: the `agent-liveness` worker (the WorkerRegistry is global). */
@Module({
  imports: [WorkSignalModule],
  providers: [LivenessRepository, AgentLiveness, AgentLivenessWorker],
  exports: [AgentLiveness],
})
export class LivenessModule {}
