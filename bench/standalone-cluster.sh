#!/usr/bin/env bash
# Sourced by the bench/ scripts that need a Spark standalone cluster on this machine, started from Maven Central jars
# (no Spark download): a SPARK_HOME with the jars of a Spark 3.5.5 / Hadoop 3.3.6 distribution (bench/spark-dist),
# a master and one worker that launches executor JVMs, exactly as `spark-submit --master spark://...` expects.
#
#   source bench/standalone-cluster.sh
#   spark_home_init DIR          # SPARK_HOME=DIR (jars fetched once by Maven, a log4j2 config that shows progress)
#   cluster_start DIR CORES MEM  # master + worker (CORES cores, MEM memory), exports MASTER_URL, WORKER_PID
#   submit ARGS...               # java ... org.apache.spark.deploy.SparkSubmit ARGS (what bin/spark-submit runs)
#   executor_pids                # the executor JVMs running now (children of the worker), one per line
#   cluster_stop                 # stops the worker (and its executors) and the master
here_sc="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../deploy/factorlab-env.sh
source "$here_sc/../deploy/factorlab-env.sh"
export SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1

spark_home_init() {
  export SPARK_HOME="$1"
  mkdir -p "$SPARK_HOME/conf"
  if [[ ! -f "$SPARK_HOME/jars/spark-core_2.12-3.5.5.jar" || ! -f "$SPARK_HOME/jars/hadoop-yarn-server-web-proxy-3.3.6.jar" ]]; then
    echo "spark home: fetching the Spark 3.5.5 jars into $SPARK_HOME/jars (Maven)" >&2
    mvn -q -f "$here_sc/spark-dist/pom.xml" dependency:copy-dependencies -DoutputDirectory="$SPARK_HOME/jars" >&2 || return 1
  fi
  : >"$SPARK_HOME/RELEASE" # the launcher takes SPARK_HOME/jars as the jar directory only when RELEASE exists
  cat >"$SPARK_HOME/conf/log4j2.properties" <<'EOF'
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1}: %m%n
logger.deploy.name = org.apache.spark.deploy
logger.deploy.level = info
logger.factorlab.name = org.factorlab
logger.factorlab.level = info
logger.sched.name = org.apache.spark.scheduler.TaskSetManager
logger.sched.level = warn
EOF
  SPARK_LOG_OPT="-Dlog4j2.configurationFile=$SPARK_HOME/conf/log4j2.properties"
}

_spark_java() { # exec java with the Spark distribution's classpath and the JDK 17 flags (call it in a subshell or with &)
  # shellcheck disable=SC2086
  exec java $FACTORLAB_JVM_OPTS "$SPARK_LOG_OPT" -cp "$SPARK_HOME/conf:$SPARK_HOME/jars/*" "$@"
}

cluster_start() {
  local dir="$1" cores="$2" mem="$3" port
  mkdir -p "$dir/work"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  _spark_java -Xmx256m org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" --webui-port 0 \
    >"$dir/master.log" 2>&1 &
  MASTER_PID=$! # the java process itself: the function execs it
  export MASTER_URL="spark://127.0.0.1:$port"
  for _ in $(seq 1 300); do grep -q "I have been elected leader" "$dir/master.log" 2>/dev/null && break; sleep 0.2; done
  _spark_java -Xmx256m org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores "$cores" --memory "$mem" \
    --webui-port 0 --work-dir "$dir/work" "$MASTER_URL" >"$dir/worker.log" 2>&1 &
  WORKER_PID=$! # executors are its children
  for _ in $(seq 1 600); do grep -q "Successfully registered with master" "$dir/worker.log" 2>/dev/null && break; sleep 0.2; done
  if ! grep -q "Successfully registered with master" "$dir/worker.log"; then
    echo "the worker did not register; see $dir/worker.log" >&2; return 1
  fi
  echo "cluster: master $MASTER_URL (pid $MASTER_PID), worker pid $WORKER_PID, $cores cores, $mem" >&2
}

submit() {
  ( _spark_java -Xmx2g org.apache.spark.deploy.SparkSubmit "$@" )
}

executor_pids() {
  local p
  for p in $(pgrep -P "$WORKER_PID"); do
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q CoarseGrainedExecutorBackend && echo "$p"
  done
}

cluster_stop() {
  [[ -n "${WORKER_PID:-}" ]] && kill "$WORKER_PID" 2>/dev/null && wait "$WORKER_PID" 2>/dev/null
  [[ -n "${MASTER_PID:-}" ]] && kill "$MASTER_PID" 2>/dev/null && wait "$MASTER_PID" 2>/dev/null
  WORKER_PID="" MASTER_PID=""
}
