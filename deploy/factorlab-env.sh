# Shared settings of the deploy scripts (sourced, not run).
# FACTORLAB_HOME: the project checkout (or /opt/factorlab in the Docker image).
# FACTORLAB_JAR:  the fat jar built with `mvn -Pfatjar -DskipTests package`.
FACTORLAB_HOME="${FACTORLAB_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
if [[ -z "${FACTORLAB_JAR:-}" ]]; then
  FACTORLAB_JAR="$(ls "$FACTORLAB_HOME"/spark-jobs/target/spark-jobs-*-spark.jar "$FACTORLAB_HOME"/factorlab-spark.jar 2>/dev/null | head -1 || true)"
fi
# Spark on JDK 17 (docs/deploy.md): the same flags as surefire and bin/factorlab, for driver and executors.
FACTORLAB_JVM_OPTS="--add-modules=jdk.incubator.vector --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
--add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED \
--add-opens=java.base/sun.util.calendar=ALL-UNNAMED --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED \
-Djdk.reflect.useDirectMethodHandle=false"
FACTORLAB_MAIN=org.factorlab.spark.TrainJob

factorlab_require_jar() {
  if [[ -z "${FACTORLAB_JAR}" || ! -f "${FACTORLAB_JAR}" ]]; then
    echo "no fat jar: build it with 'mvn -Pfatjar -DskipTests package' or set FACTORLAB_JAR" >&2
    exit 2
  fi
}
