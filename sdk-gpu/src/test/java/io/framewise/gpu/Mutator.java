package io.framewise.gpu;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A seeded, structure-unaware byte mutator for {@link DecoderModelFuzzTest}: the same seed gives the
 * same mutated bytes, so every failure is reproduced from its seed alone.
 *
 * <p>Operators (one to three stacked per input): bit flips, zeroing a byte range, duplicating a range
 * (a repeated packet), deleting a range (a dropped packet), truncation, splicing the head of one seed
 * onto the tail of another, and patching 1, 2 or 4 bytes in the first 4 KiB (where container headers
 * live: sizes, counts, dimensions, durations) with boundary values. Each result also says what was done.
 */
final class Mutator {

  /** Values header fields are patched with: the edges of 8, 16 and 32-bit fields. */
  private static final long[] INTERESTING = {0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFFL, 16, 64, 4096};

  /**
   * A mutated input and how it was made.
   *
   * @param bytes the input
   * @param first the index of the seed it started from (its container decides the file's extension)
   * @param how the operators applied, for the failure report
   */
  record Mutant(byte[] bytes, int first, String how) {}

  private Mutator() {}

  /**
   * Mutates one seed.
   *
   * @param seed the random seed of this input
   * @param seeds the corpus (the first operand is chosen from it; splicing takes a second one)
   * @return the mutant
   */
  static Mutant mutate(long seed, List<byte[]> seeds) {
    Random r = new Random(seed);
    int first = r.nextInt(seeds.size());
    byte[] b = seeds.get(first).clone();
    StringBuilder how = new StringBuilder("seed#" + first);
    int ops = 1 + r.nextInt(3);
    for (int i = 0; i < ops && b.length > 0; i++) {
      switch (r.nextInt(7)) {
        case 0 -> {
          int flips = 1 + r.nextInt(16);
          for (int f = 0; f < flips; f++) {
            int at = r.nextInt(b.length);
            b[at] ^= (byte) (1 << r.nextInt(8));
          }
          how.append(" flip").append(flips);
        }
        case 1 -> {
          int at = r.nextInt(b.length);
          int len = Math.min(b.length - at, 1 + r.nextInt(1024));
          Arrays.fill(b, at, at + len, (byte) 0);
          how.append(" zero[").append(at).append('+').append(len).append(']');
        }
        case 2 -> {
          int at = r.nextInt(b.length);
          int len = Math.min(b.length - at, 1 + r.nextInt(2048));
          int to = r.nextInt(b.length + 1);
          ByteArrayOutputStream o = new ByteArrayOutputStream(b.length + len);
          o.write(b, 0, to);
          o.write(b, at, len);
          o.write(b, to, b.length - to);
          b = o.toByteArray();
          how.append(" dup[").append(at).append('+').append(len).append("@").append(to).append(']');
        }
        case 3 -> {
          int at = r.nextInt(b.length);
          int len = Math.min(b.length - at, 1 + r.nextInt(2048));
          byte[] n = new byte[b.length - len];
          System.arraycopy(b, 0, n, 0, at);
          System.arraycopy(b, at + len, n, at, b.length - at - len);
          b = n;
          how.append(" drop[").append(at).append('+').append(len).append(']');
        }
        case 4 -> {
          int len = r.nextInt(b.length);
          b = Arrays.copyOf(b, len);
          how.append(" cut@").append(len);
        }
        case 5 -> {
          int second = r.nextInt(seeds.size());
          byte[] other = seeds.get(second);
          int head = r.nextInt(b.length);
          int tail = other.length == 0 ? 0 : r.nextInt(other.length);
          byte[] n = Arrays.copyOf(b, head + other.length - tail);
          System.arraycopy(other, tail, n, head, other.length - tail);
          b = n;
          how.append(" splice[").append(head).append("|seed#").append(second).append('@').append(tail).append(']');
        }
        default -> {
          int width = new int[] {1, 2, 4}[r.nextInt(3)];
          int at = r.nextInt(Math.max(1, Math.min(b.length, 4096) - width + 1));
          long v = INTERESTING[r.nextInt(INTERESTING.length)];
          boolean little = r.nextBoolean();
          for (int k = 0; k < width && at + k < b.length; k++) {
            int shift = 8 * (little ? k : width - 1 - k);
            b[at + k] = (byte) (v >>> shift);
          }
          how.append(" patch").append(width * 8).append(little ? "le" : "be").append('@').append(at).append('=').append(Long.toHexString(v));
        }
      }
    }
    return new Mutant(b, first, how.toString());
  }
}
