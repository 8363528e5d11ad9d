# Sourced by demo.sh and run-local.sh (from the repository root): sets JAVA_HOME to the JDK >= 25
# that ./mvnw finds, and builds benchmarks/target/benchmarks.jar when it is missing or older than
# any source, pom or resource (not on every run: the build takes about as long as the demo).
JAVA_HOME=$(MVNW_PRINT_JAVA_HOME=1 ./mvnw)
JAR=benchmarks/target/benchmarks.jar
if [ ! -f "$JAR" ] || [ -n "$(find . -path ./.git -prune -o -path '*/target' -prune -o \
    \( -name '*.java' -o -name pom.xml -o -path '*/src/main/resources/*' \) -newer "$JAR" -print -quit)" ]; then
  echo "building: ./mvnw -q -B -DskipTests -pl benchmarks -am package" >&2
  ./mvnw -q -B -DskipTests -pl benchmarks -am package
fi
