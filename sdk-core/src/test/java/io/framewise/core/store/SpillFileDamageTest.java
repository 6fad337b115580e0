package io.framewise.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framewise.BoundingBox;
import io.framewise.Detection;
import io.framewise.FrameDetections;
import io.framewise.JobError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segment files trust nothing they read: any single changed byte, anywhere, is found (never replayed
 * as a result, never an allocation from a forged count), and a file of another job, segment or frame
 * range is refused.
 */
class SpillFileDamageTest {

  private static final SpillFile.Header HEADER = new SpillFile.Header("0123456789abcdef".repeat(4), 3, 40, 5);

  @TempDir Path dir;

  private Path write() throws IOException {
    Path file = dir.resolve("segment-000003.fws");
    try (SpillFile.Writer w = new SpillFile.Writer(file, HEADER)) {
      w.frame(new FrameDetections(40, 1333.3, List.of(new Detection(1, "car", 0.9, new BoundingBox(1, 2, 30, 40)),
          new Detection(0, "person", 0.5, new BoundingBox(5.5, 6, 7, 8.25)))));
      w.frame(new FrameDetections(41, 1366.7, List.of()));
      w.frame(new FrameDetections(44, 1466.7, List.of(new Detection(2, "bus", 0.3, new BoundingBox(0, 0, 1, 1)))));
      w.commit(new SpillFile.Trailer(5, 3, 2, 3, List.of(new JobError("FW-105", "packet 42 failed", 42L, 1400.0))));
    }
    return file;
  }

  @Test
  void everySingleByteFlip_isFound() throws IOException {
    Path file = write();
    byte[] good = Files.readAllBytes(file);
    assertThat(SpillFile.check(file, HEADER)).isNull();
    for (int mask : new int[] {0x01, 0x80, 0xff}) {
      for (int i = 0; i < good.length; i++) {
        byte[] bad = good.clone();
        bad[i] ^= (byte) mask;
        Files.write(file, bad);
        List<FrameDetections> seen = new ArrayList<>();
        int offset = i;
        assertThatThrownBy(() -> SpillFile.replay(file, HEADER, seen::add))
            .as("byte %d of %d flipped with %02x", offset, good.length, mask)
            .isInstanceOf(SpillFile.DamagedException.class);
        assertThat(SpillFile.check(file, HEADER)).as("byte %d", offset).isNotNull();
      }
    }
  }

  @Test
  void aForgedHugeCount_isRefusedBeforeAnyAllocation() throws IOException {
    Path file = write();
    byte[] b = Files.readAllBytes(file);
    int headerBytes = 4 + 2 + 64 + 4 + 8 + 8;
    int countAt = headerBytes + 8 + 8; // the first frame's detection count
    assertThat(ByteBuffer.wrap(b, countAt, 4).getInt()).isEqualTo(2);
    ByteBuffer.wrap(b, countAt, 4).putInt(Integer.MAX_VALUE);
    Files.write(file, b);
    assertThat(SpillFile.check(file, HEADER)).contains("claims 2147483647 detections of frame 40");
  }

  @Test
  void anotherJobSegmentOrRange_isRefused() throws IOException {
    Path file = write();
    assertThat(SpillFile.check(file, new SpillFile.Header("f".repeat(64), 3, 40, 5))).contains("another job");
    assertThat(SpillFile.check(file, new SpillFile.Header(HEADER.fingerprint(), 4, 40, 5))).contains("expected segment 4");
    assertThat(SpillFile.check(file, new SpillFile.Header(HEADER.fingerprint(), 3, 40, 4))).contains("header says");
    assertThat(SpillFile.check(file, HEADER)).isNull();
    Files.write(file, new byte[0]);
    assertThat(SpillFile.check(file, HEADER)).contains("cut short");
    Files.delete(file);
    Files.createSymbolicLink(file, dir.resolve("elsewhere"));
    assertThat(SpillFile.check(file, HEADER)).contains("not a regular file");
  }
}
