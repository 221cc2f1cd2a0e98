#!/bin/sh
# The backup's last step, with monitoring: reports the run that succeeded (every tenant's dump
# written, and copied to S3 when asked) to the environment's Pushgateway, as
# omrs_backup_last_success_timestamp_seconds{tenant}, and the size and free bytes of the backup
# volume after it (df of /backup, mounted read-only: BackupVolumeFilling). Runs in the Pushgateway's image (busybox:
# sh, date, timeout, wget; `timeout`, not wget's -T, which some busybox builds crash on). A report that cannot be sent does not fail the backup: its dumps are there;
# BackupStale fires later and this log says why.
set -eu
now=$(date +%s)
{
  echo '# TYPE omrs_backup_last_success_timestamp_seconds gauge'
  for entry in $TENANTS; do
    echo "omrs_backup_last_success_timestamp_seconds{tenant=\"${entry%%:*}\"} $now"
  done
  # df -P: "filesystem 1024-blocks used available capacity mount", one line for the volume.
  if set -- $(df -P -k /backup 2>/dev/null | tail -n 1) && [ $# -ge 6 ]; then
    echo '# TYPE omrs_backup_volume_size_bytes gauge'
    echo "omrs_backup_volume_size_bytes $(($2 * 1024))"
    echo '# TYPE omrs_backup_volume_avail_bytes gauge'
    echo "omrs_backup_volume_avail_bytes $(($4 * 1024))"
  fi
} >/tmp/backup-report
if timeout 30 wget -q -O /dev/null --post-file=/tmp/backup-report "$PUSH_URL"; then
  echo "omrs: backup reported to the Pushgateway (tenants: $TENANTS)"
else
  echo "omrs: the backup succeeded but could not be reported to $PUSH_URL" >&2
fi
