import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { AgentsModule } from './agents/agents.module';
import { AuditModule } from './audit/audit.module';
import { AuthGuard } from './common/auth/auth.guard';
import { ClockModule } from './common/clock/clock';
import { CryptoModule } from './common/crypto/crypto.module';
import { ProblemFilter } from './common/errors/problem.filter';
import { ContractInterceptor } from './common/http/contract.interceptor';
import { ConfigModule } from './config/config.module';
import type { AppConfig } from './config/config.schema';
import { CredentialsModule } from './credentials/credentials.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { TasksModule } from './tasks/tasks.module';
import { UsersModule } from './users/users.module';
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
        HealthModule,
        UsersModule,
        AuditModule,
        ZonesModule,
        AgentsModule,
        CredentialsModule,
        TasksModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        // Guard first (who may call), then contract validation of the input.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: ContractInterceptor },
      ],
    };
  }
}
