// The smallest RDS MariaDB instance the AWS emulator accepts, for tests that need one to snapshot.
import { CreateDBInstanceCommand, type RDSClient } from '@aws-sdk/client-rds';

export const createTestInstance = (rds: RDSClient, id: string) =>
  rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: 'mariadb',
      EngineVersion: '10.11.8',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'openmrs',
      MasterUserPassword: 'openmrs-secret',
      DBName: 'openmrs',
    }),
  );
