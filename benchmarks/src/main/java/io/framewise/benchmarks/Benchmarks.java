package io.framewise.benchmarks;

/**
 * Entry point of the benchmarks: {@code java -jar benchmarks/target/framewise-benchmarks.jar <command> ...}.
 * See {@code benchmarks/README.md}.
 */
public final class Benchmarks {

  private Benchmarks() {}

  static final String USAGE = """
      usage: java -jar benchmarks/target/framewise-benchmarks.jar <command> [options]

        generate-long  --out DIR [--frames 500000] [--short-frames 100000]
            192x128 mpeg4 videos (25 fps, key frame every 50) of the test kit's scene, the long one and
            a short copy, plus a matching synthetic YOLOv8 model (synthetic-yolov8-192x128.onnx).
        generate-1080p --out DIR [--frames N | --min-size 2GiB] [--grain 64] [--gop 25] [--name FILE]
            1920x1080 mpeg4 (qscale 1) with grain, until --frames or until the file reaches --min-size;
            plus synthetic-yolov8-640x360.onnx.
        generate-upscaled --video FILE --out DIR [--width 1920] [--height 1080] [--bitrate 8M] [--frames N]
            the clip re-encoded at that size as H.264 (openh264), e.g. a natural 1080p clip from a real one;
            --bitrate in bits per second (8M, 800k).
        memory --video FILE --model FILE [--chunk-size 64MiB|20s|none] [--parallelism N] [--batch N]
               [--max-heap 1GiB|none] [--jvm-xmx 1g] [--max-direct 512m] [--every N] [--java-opts "..."]
               [--timeout-min 60] [--keep-output] [--wait-quiet SECONDS] [--keyframes-only]
            runs the SDK over the video in a child JVM and samples its memory (VmRSS, VmHWM, heap);
            --keyframes-only runs a keyframes-only job.
        index --video FILE [--chunk-size 60s] [--repeat 1] [--local-only]
            plans a chunked job (the FFmpeg decoder's index: the sample table for MP4/MOV, else the demux
            pass), locally and over HTTP from a counting range server on 127.0.0.1: time, bytes served.
        budget-table --dir DIR [--testdata DIR] [--only id,id] [--big-model-mb 400] [--jvm-xmx 1g] [--timeout-min 10]
            the memory budget's estimate against the peak RSS (VmHWM) of a child JVM, for frame sizes
            192x128 / 1920x1080 / 3840x2160, a tiny, yolox_nano and a ~400 MB model, batch 1/4,
            parallelism 1/2, unchunked and chunked; inputs are generated into DIR once.
        throughput --video FILE --model FILE [--threads N] [--batch N] [--frames N] [--seconds 20]
                   [--decoded 200] [--skip ceiling,ceiling-runners,adapter,decode,decode-grabber,plain,e2e,e2e-fast,e2e-parallel]
                   [--repeat 1] [--e2e-chunk 20s] [--wait-quiet SECONDS] [--ort-config key=value,...]
            model ceiling, adapter ceiling, decoders alone, plain single-threaded loop, SDK end to end
            (default options, then parallelism(2) + chunkSize(--e2e-chunk)); --repeat N runs every
            measurement N times, interleaved, and reports the median and the range.
            Every measurement reports the CPU the rest of the machine used meanwhile; --wait-quiet
            waits (up to SECONDS) for other processes to go idle before each one.
        distributed --video FILE --model FILE [--chunk-size 30s] [--tasks 200] [--dir /tmp/fw-distributed-bench]
            the distributed mode on a development broker in this JVM: Kafka's cost per task (no-op tasks through
            one worker), detect against submit with 1 and 2 worker processes (same input and chunk size), and
            the result store's write/read and the merge per segment against a segment's time.
        submit-memory --video FILE --model FILE [--chunk-size 60s] [--workers 2] [--jvm-xmx 1g]
                      [--dir /tmp/fw-submit-memory] [--timeout-min 180]
            submit and N worker processes (child JVMs with memory's fixed limits) on a development broker in
            this JVM: the peak RSS of every Framewise process and the wall time per video frame.
      """;

  public static void main(String[] argv) {
    if (argv.length == 0 || argv[0].equals("-h") || argv[0].equals("--help") || argv[0].equals("help")) {
      System.out.print(USAGE);
      System.exit(argv.length == 0 ? 2 : 0);
    }
    String command = argv[0];
    // slf4j-simple reads its configuration once, before the first logger; -D on the command line wins.
    setDefault("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    setDefault("org.slf4j.simpleLogger.showShortLogName", "true");
    setDefault("org.slf4j.simpleLogger.showThreadName", "false");
    int rc;
    try {
      Args args = Args.parse(command, argv, 1);
      rc = switch (command) {
        case "generate-long" -> Generate.generateLong(args);
        case "generate-1080p" -> Generate.generate1080p(args);
        case "generate-upscaled" -> Generate.generateUpscaled(args);
        case "memory" -> MemoryBenchmark.parent(args);
        case "memory-child" -> MemoryBenchmark.child(args);
        case "throughput" -> ThroughputBenchmark.run(args);
        case "budget-table" -> BudgetTable.run(args);
        case "index" -> IndexBenchmark.run(args);
        case "distributed" -> DistributedBenchmark.run(args);
        case "distributed-worker" -> DistributedBenchmark.worker(args);
        case "submit-memory" -> SubmitMemoryBenchmark.run(args);
        case "submit-memory-child" -> SubmitMemoryBenchmark.child(args);
        default -> {
          System.err.println("unknown command '" + command + "'\n" + USAGE);
          yield 2;
        }
      };
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.print(USAGE);
      rc = 2;
    } catch (Exception | Error e) {
      System.err.println(command + " failed: " + e);
      e.printStackTrace();
      rc = 1;
    }
    System.out.flush();
    System.exit(rc);
  }

  private static void setDefault(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
