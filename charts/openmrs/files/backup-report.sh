#!/bin/sh
# The backup's last step, with monitoring: reports the run that succeeded (every tenant's dump
# written, and copied to S3 when asked) to the environment's Pushgateway, as
# omrs_backup_last_success_timestamp_seconds{tenant}. Runs in the Pushgateway's image (busybox:
# sh, date, timeout, wget; `timeout`, not wget's -T, which some busybox builds crash on). A report that cannot be sent does not fail the backup: its dumps are there;
# BackupStale fires later and this log says why.
set -eu
now=$(date +%s)
{
  echo '# TYPE omrs_backup_last_success_timestamp_seconds gauge'
  for entry in $TENANTS; do
    echo "omrs_backup_last_success_timestamp_seconds{tenant=\"${entry%%:*}\"} $now"
  done
} >/tmp/backup-report
if timeout 30 wget -q -O /dev/null --post-file=/tmp/backup-report "$PUSH_URL"; then
  echo "omrs: backup reported to the Pushgateway (tenants: $TENANTS)"
else
  echo "omrs: the backup succeeded but could not be reported to $PUSH_URL" >&2
fi
