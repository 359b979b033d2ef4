import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { AgentApiModule } from './agent-api/agent-api.module';
import { AgentsModule } from './agents/agents.module';
import { AuditModule } from './audit/audit.module';
import { AuthGuard } from './common/auth/auth.guard';
import { ProtocolVersionGuard } from './common/auth/protocol-version.guard';
import { ClockModule } from './common/clock/clock';
import { BusModule } from './common/messaging/bus.module';
import { CryptoModule } from './common/crypto/crypto.module';
import { ProblemFilter } from './common/errors/problem.filter';
import { ContractInterceptor } from './common/http/contract.interceptor';
import { ConfigModule } from './config/config.module';
import type { AppConfig } from './config/config.schema';
import { CredentialsModule } from './credentials/credentials.module';
import { DatabaseModule } from './database/database.module';
import { ElectionModule } from './election/election.module';
import { HealthModule } from './health/health.module';
import { InstallModule } from './install/install.module';
import { LivenessModule } from './liveness/liveness.module';
import { LiveModule } from './live/live.module';
import { MessagingModule } from './messaging/messaging.module';
import { MetricsModule } from './metrics/metrics.module';
import { RetentionModule } from './retention/retention.module';
import { SchedulingModule } from './scheduling/scheduling.module';
import { TasksModule } from './tasks/tasks.module';
import { UsersModule } from './users/users.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { WorkModule } from './work/work.module';
import { WorkersModule } from './workers/workers.module';
import { ZonesModule } from './zones/zones.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, dataSource: DataSource): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forDataSource(dataSource),
        ClockModule,
        CryptoModule,
        BusModule,
        MetricsModule,
        HealthModule,
        UsersModule,
        AuditModule,
        ZonesModule,
        AgentsModule,
        CredentialsModule,
        TasksModule,
        ElectionModule,
        AgentApiModule,
        InstallModule,
        WorkModule,
        MessagingModule,
        LiveModule,
        WorkersModule,
        LivenessModule,
        SchedulingModule,
        RetentionModule,
        WebhooksModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        // Guards in this order: the agent protocol version (an agent of another version must learn
        // that, not get a 401), then who may call; then contract validation of the input.
        { provide: APP_GUARD, useClass: ProtocolVersionGuard },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: ContractInterceptor },
      ],
    };
  }
}
