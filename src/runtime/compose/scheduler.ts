// A CronJob on Docker: no controller starts its Jobs, so its pod runs for good and each container
// runs its own command on the schedule, in sh (every image with a shell can). The first step (the
// pod's first init container, else its first container) runs at each minute the schedule names
// (UTC) and when omrs asks for a run (`omrs db backup`); the others run after each of its runs that
// succeeded, in the order a Job's pod would. What happened is written to an emptyDir that omrs reads
// on the host: `runs` (one line per run: id, exit code, end time, trigger), `after-<name>` (id, exit
// code) and `request` (a run omrs asked for).

/** Where the steps keep their record, inside each container. */
export const SCHEDULE_DIR = '/run/omrs-schedule';
/** The emptyDir volume that holds it (its host folder is the pod's scratch folder of that name). */
export const SCHEDULE_VOLUME = 'omrs-schedule';
/** How many runs the record keeps, as a CronJob keeps a few Jobs. */
export const KEPT_RUNS = 20;

// $1: the schedule's five fields, numbers only (profile/cron.ts); $2: "first" or "after:<name>";
// the rest: the step's command. Globbing is off: the fields hold "*".
export const SCHEDULER_SCRIPT = `set -f
dir=${SCHEDULE_DIR} fields=$1 role=$2
shift 2
matches() {
  v=$1 list=$2 lo=$3 hi=$4 ifs=$IFS
  IFS=,
  set -- $list
  IFS=$ifs
  for part in "$@"; do
    step=1
    case $part in */*) step=\${part#*/} part=\${part%/*} ;; esac
    case $part in
      '*') a=$lo b=$hi ;;
      *-*) a=\${part%-*} b=\${part#*-} ;;
      *) a=$part b=$part; [ "$step" = 1 ] || b=$hi ;;
    esac
    [ "$v" -ge "$a" ] && [ "$v" -le "$b" ] && [ $(( (v - a) % step )) -eq 0 ] && return 0
  done
  return 1
}
due() {
  mi=\${1#0} ho=\${2#0} dm=\${3#0} mo=\${4#0} dw=$5
  set -- $fields
  matches "$mi" "$1" 0 59 && matches "$ho" "$2" 0 23 && matches "$mo" "$4" 1 12 || return 1
  dom=0 dow=0
  matches "$dm" "$3" 1 31 && dom=1
  { matches "$dw" "$5" 0 7 || { [ "$dw" = 0 ] && matches 7 "$5" 0 7; }; } && dow=1
  case "$3 $5" in '*'*|*' *'*) [ $dom = 1 ] && [ $dow = 1 ] ;; *) [ $dom = 1 ] || [ $dow = 1 ] ;; esac
}
keep() { tail -n ${KEPT_RUNS} "$dir/$1" >"$dir/$1.tmp" && mv -f "$dir/$1.tmp" "$dir/$1"; }
if [ "$role" = due ]; then due "$@"; exit; fi
if [ "$role" = first ]; then
  mark=$(date -u +%Y%m%d%H%M)
  while :; do
    trigger=
    if [ -s "$dir/request" ]; then
      trigger=request:$(cat "$dir/request"); rm -f "$dir/request"
    else
      now=$(date -u '+%Y%m%d%H%M %M %H %d %m %w')
      if [ "\${now%% *}" != "$mark" ]; then
        mark=\${now%% *}
        due \${now#* } && trigger=schedule
      fi
    fi
    if [ -n "$trigger" ]; then
      id=$(date -u +%Y%m%dT%H%M%SZ)
      echo "omrs: run $id ($trigger)"
      "$@"; code=$?
      echo "omrs: run $id exited $code"
      echo "$id $code $(date -u +%Y-%m-%dT%H:%M:%SZ) $trigger" >>"$dir/runs"; keep runs
    fi
    sleep 2
  done
fi
name=\${role#after:}
seen=$(tail -n 1 "$dir/runs" 2>/dev/null)
while :; do
  last=$(tail -n 1 "$dir/runs" 2>/dev/null)
  if [ -n "$last" ] && [ "$last" != "$seen" ]; then
    seen=$last id=\${last%% *} rest=\${last#* }
    if [ "\${rest%% *}" = 0 ]; then
      "$@"; code=$?
      echo "omrs: $name after run $id exited $code"
      echo "$id $code" >>"$dir/after-$name"; keep "after-$name"
    fi
  fi
  sleep 2
done
`;

/** The command of one step of a scheduled pod: the scheduler, then the step's own command. */
export const scheduledCommand = (
  fields: string,
  role: 'first' | `after:${string}`,
  command: string[],
): string[] => ['/bin/sh', '-c', SCHEDULER_SCRIPT, 'omrs-schedule', fields, role, ...command];
