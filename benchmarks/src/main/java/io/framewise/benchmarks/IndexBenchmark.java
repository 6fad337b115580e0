package io.framewise.benchmarks;

import io.framewise.VideoInfo;
import io.framewise.core.FfmpegDecoderProvider;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.RemoteVideo;
import io.framewise.spi.VideoIndex;
import io.framewise.testkit.RangeServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * How long planning a chunked job takes, and how much of the input it reads: the FFmpeg decoder's
 * index of a file, local and over HTTP from a range-serving server on 127.0.0.1 that counts the bytes
 * it serves. MP4/MOV are indexed from the sample table, other containers by the demux pass (the log
 * line of {@code FfmpegIndexer} says which). Also the RSS this process grew by (FFmpeg keeps the
 * sample table of an open MP4 in memory; the index itself is a few numbers per key frame).
 */
final class IndexBenchmark {

  private IndexBenchmark() {}

  static int run(Args args) throws Exception {
    Path video = args.existingFile("video");
    String chunk = args.string("chunk-size", "60s");
    int repeat = args.integer("repeat", 1);
    boolean http = !args.flag("local-only");
    args.done();
    Object c = Args.chunkSize(chunk);
    PipelineOptions options = c instanceof Duration d ? new PipelineOptions(0, d, null, 0, 0, 1, false, null)
        : new PipelineOptions(((io.framewise.DataSize) c).bytes(), null, null, 0, 0, 1, false, null);
    FfmpegDecoderProvider ffmpeg = new FfmpegDecoderProvider();
    long size = Files.size(video);
    Fmt.out("# index: %s (%s), chunk size %s", video.getFileName(), Fmt.size(video), chunk);
    for (int r = 0; r < repeat; r++) {
      long rss0 = Mem.rssAndHwmKib()[0];
      long t0 = System.nanoTime();
      VideoIndex local = ffmpeg.index(video, options);
      double localS = (System.nanoTime() - t0) / 1e9;
      long rss1 = Mem.rssAndHwmKib()[0];
      VideoInfo info = local.info();
      Fmt.out("RESULT where=local frames=%d segments=%d index_s=%.2f rss_growth_mib=%.0f (%dx%d %s)", local.totalFrames(),
          local.segments().size(), localS, (rss1 - rss0) / 1024.0, info.width(), info.height(), info.codec());
      if (http) {
        try (RangeServer server = new RangeServer(video, "/" + video.getFileName())) {
          long t1 = System.nanoTime();
          VideoIndex remote = ffmpeg.index(new RemoteVideo(server.uri(null), Set.of("http")), options);
          double remoteS = (System.nanoTime() - t1) / 1e9;
          if (remote.totalFrames() != local.totalFrames() || remote.segments().size() != local.segments().size()) {
            throw new IllegalStateException("the HTTP index differs from the local one");
          }
          Fmt.out("RESULT where=http frames=%d segments=%d index_s=%.2f served_bytes=%d of %d (%.3f%%) requests=%d",
              remote.totalFrames(), remote.segments().size(), remoteS, server.served(), size, 100.0 * server.served() / size,
              server.requests().size());
          for (String request : server.requests()) {
            Fmt.out("#   %s", request);
          }
        }
      }
    }
    return 0;
  }
}
