package io.framewise.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framewise.BoundingBox;
import io.framewise.Detection;
import io.framewise.DetectorIOException;
import io.framewise.FrameDetections;
import io.framewise.JobError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The directory result store: put if absent, identical duplicates, differing ones, atomic puts, listing and names. */
class DirectoryResultStoreTest {

  static final String JOB = "ab".repeat(32);
  static final String OTHER = "cd".repeat(32);

  @TempDir Path dir;

  static SegmentResult put(ResultStore store, ResultKey key, double score) throws IOException {
    try (ResultStore.Upload u = store.create(key)) {
      for (long id = key.firstFrameId(); id < key.firstFrameId() + key.frameCount(); id++) {
        u.frame(new FrameDetections(id, id * 40.0, List.of(new Detection(1, "green", score, new BoundingBox(1, 2, 3, 4)))));
      }
      return u.commit(new SpillFile.Trailer(key.frameCount(), key.frameCount(), 0, key.frameCount(), List.of()));
    }
  }

  static List<String> files(Path d) throws IOException {
    try (Stream<Path> s = Files.walk(d)) {
      return s.filter(Files::isRegularFile).map(p -> d.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  void putIfAbsent_anIdenticalSecondPutIsANoOp_aDifferingOneIsReportedAndTheFirstKept() throws IOException {
    DirectoryResultStore store = DirectoryResultStore.shared(dir);
    ResultKey key = new ResultKey(JOB, 3, 30, 10);
    SegmentResult first = put(store, key, 0.5);
    Path file = store.file(key);
    long modified = Files.getLastModifiedTime(file).toMillis();
    Object inode = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();

    SegmentResult again = put(store, key, 0.5);
    assertThat(again).isEqualTo(first);
    assertThat(Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey()).isEqualTo(inode);
    assertThat(Files.getLastModifiedTime(file).toMillis()).isEqualTo(modified);

    assertThatThrownBy(() -> put(store, key, 0.75))
        .isInstanceOfSatisfying(DetectorIOException.class, e -> {
          assertThat(e.code()).isEqualTo("FW-824");
          assertThat(e.path()).isEqualTo(file);
        })
        .hasMessageContaining("segment 3 of job " + JOB.substring(0, 16))
        .hasMessageContaining("already stored with different content")
        .hasMessageContaining(first.digest().substring(0, 16));
    assertThat(store.check(key)).isEqualTo(first);
    assertThat(files(dir)).containsExactly(JOB + "/segment-000003.fws"); // no temporary file left
  }

  @Test
  void aDamagedStoredResult_isReplacedByAPut_andReportedByCheck() throws IOException {
    DirectoryResultStore store = DirectoryResultStore.shared(dir);
    ResultKey key = new ResultKey(JOB, 0, 0, 5);
    SegmentResult sound = put(store, key, 0.5);
    byte[] b = Files.readAllBytes(store.file(key));
    Files.write(store.file(key), java.util.Arrays.copyOf(b, b.length - 7));
    assertThatThrownBy(() -> store.check(key)).isInstanceOf(SpillFile.DamagedException.class);
    assertThat(put(store, key, 0.5)).isEqualTo(sound);
    assertThat(store.check(key)).isEqualTo(sound);
  }

  @Test
  void nothingIsVisibleBeforeCommit_andAnAbandonedUploadLeavesNothing() throws IOException {
    DirectoryResultStore store = DirectoryResultStore.shared(dir);
    ResultKey key = new ResultKey(JOB, 1, 10, 3);
    try (ResultStore.Upload u = store.create(key)) {
      u.frame(new FrameDetections(10, 0, List.of()));
      assertThat(store.contains(key)).isFalse();
      assertThat(store.check(key)).isNull();
      assertThat(store.list(JOB).toArray()).isEmpty();
    }
    assertThat(store.contains(key)).isFalse();
    assertThat(files(dir)).isEmpty();
  }

  @Test
  void concurrentPutsOfOneKey_oneResultStored_identicalOnesAgree_differingOnesAreReported() throws Exception {
    DirectoryResultStore store = DirectoryResultStore.shared(dir);
    ResultKey key = new ResultKey(JOB, 7, 70, 200);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<SegmentResult>> same = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        same.add(pool.submit(() -> put(DirectoryResultStore.shared(dir), key, 0.5)));
      }
      String digest = same.get(0).get().digest();
      for (Future<SegmentResult> f : same) {
        assertThat(f.get().digest()).isEqualTo(digest);
      }
      ResultKey other = new ResultKey(JOB, 8, 270, 200);
      List<Future<SegmentResult>> differing = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        double score = 0.1 + i / 10.0;
        differing.add(pool.submit(() -> put(DirectoryResultStore.shared(dir), other, score)));
      }
      int stored = 0;
      int conflicts = 0;
      for (Future<SegmentResult> f : differing) {
        try {
          f.get();
          stored++;
        } catch (java.util.concurrent.ExecutionException e) {
          assertThat(e.getCause()).isInstanceOfSatisfying(DetectorIOException.class, x -> assertThat(x.code()).isEqualTo("FW-824"));
          conflicts++;
        }
      }
      assertThat(stored).isEqualTo(1);
      assertThat(conflicts).isEqualTo(7);
      assertThat(store.check(other)).isNotNull();
    } finally {
      pool.shutdownNow();
    }
    assertThat(files(dir)).containsExactly(JOB + "/segment-000007.fws", JOB + "/segment-000008.fws");
  }

  @Test
  void listing_namesOnlyTheJobsOwnResults() throws IOException {
    DirectoryResultStore store = DirectoryResultStore.shared(dir);
    put(store, new ResultKey(JOB, 0, 0, 2), 0.5);
    put(store, new ResultKey(JOB, 12, 40, 2), 0.5);
    put(store, new ResultKey(OTHER, 5, 0, 2), 0.5);
    Files.writeString(dir.resolve(JOB).resolve("notes.txt"), "x");
    Files.writeString(dir.resolve(JOB).resolve("segment-1.fws"), "x");
    Files.writeString(dir.resolve(JOB).resolve("segment-000004.fws.1234.tmp"), "x");
    try (var s = store.list(JOB)) {
      assertThat(s.sorted().toArray()).containsExactly(0, 12);
    }
    try (var s = store.list(OTHER)) {
      assertThat(s.toArray()).containsExactly(5);
    }
    try (var s = store.list("ef".repeat(32))) {
      assertThat(s.toArray()).isEmpty();
    }
  }

  @Test
  void names_comeFromTheFingerprintHexAndTheSegmentNumberOnly() throws IOException {
    DirectoryResultStore shared = DirectoryResultStore.shared(dir);
    assertThat(shared.file(new ResultKey(JOB, 42, 0, 1))).isEqualTo(dir.resolve(JOB).resolve("segment-000042.fws"));
    DirectoryResultStore one = DirectoryResultStore.forJob(dir.resolve("ckpt"), JOB);
    assertThat(one.file(new ResultKey(JOB, 2, 0, 1))).isEqualTo(dir.resolve("ckpt").resolve("segment-000002.fws"));
    assertThatThrownBy(() -> one.file(new ResultKey(OTHER, 2, 0, 1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds job " + JOB.substring(0, 16));
    for (String hostile : List.of("../" + JOB.substring(3), JOB.toUpperCase(java.util.Locale.ROOT), JOB + "/x", "", "..")) {
      assertThatThrownBy(() -> new ResultKey(hostile, 0, 0, 1)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> shared.list(hostile)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> new ResultKey(JOB, -1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ResultKey(JOB, 1_000_000, 0, 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void replay_checksTheKeysFrames_andTheTailCoversEveryFrameFromItsFirst() throws IOException {
    DirectoryResultStore store = DirectoryResultStore.shared(dir);
    ResultKey tail = new ResultKey(JOB, 3, 30, ResultKey.TO_END);
    try (ResultStore.Upload u = store.create(tail)) {
      u.frame(new FrameDetections(30, 0, List.of()));
      u.frame(new FrameDetections(1_000_000, 0, List.of()));
      u.commit(new SpillFile.Trailer(2, 2, 0, 0, List.of(new JobError("FW-104", "frame 31 failed", 31L, null))));
    }
    List<Long> ids = new ArrayList<>();
    SegmentResult r = store.replay(tail, f -> ids.add(f.frameId()));
    assertThat(ids).containsExactly(30L, 1_000_000L);
    assertThat(r.clean()).isFalse();
    assertThat(r.errors()).extracting(JobError::code).containsExactly("FW-104");
    // the same file under another frame range is not this key's result
    assertThatThrownBy(() -> store.replay(new ResultKey(JOB, 3, 31, ResultKey.TO_END), f -> {}))
        .isInstanceOf(SpillFile.DamagedException.class).hasMessageContaining("its header says segment 3");
    assertThatThrownBy(() -> store.replay(new ResultKey(JOB, 4, 0, 1), f -> {})).isInstanceOf(java.nio.file.NoSuchFileException.class);
  }
}
