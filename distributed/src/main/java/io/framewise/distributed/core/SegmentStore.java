package io.framewise.distributed.core;

import io.framewise.DetectorIOException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The shared result store, a directory: {@code DIR/<job>/segment-<n>.fws}, one committed segment file
 * per job and segment. Put if absent is a hard link from a file only this writer wrote (atomic, also
 * on NFS); a second put of a segment compares the bytes, and a difference is FW-804.
 */
final class SegmentStore {

    private final Path root;

    SegmentStore(Path root) {
        this.root = root.toAbsolutePath();
    }

    Path root() {
        return root;
    }

    Path file(String job, int segment) {
        if (!job.matches("[0-9a-f]{16,128}")) {
            throw new IllegalArgumentException("not a job id: " + job); // never a path of the task's choosing
        }
        return root.resolve(job).resolve("segment-" + segment + ".fws");
    }

    boolean contains(String job, int segment) {
        return Files.isRegularFile(file(job, segment), LinkOption.NOFOLLOW_LINKS);
    }

    /** A fresh file name beside the final one, for one writer only. */
    Path scratch(String job, int segment) throws IOException {
        Path dir = file(job, segment).getParent();
        Files.createDirectories(dir);
        return dir.resolve("segment-" + segment + ".fws." + UUID.randomUUID() + ".part");
    }

    /**
     * Puts a committed file as the segment's result unless one is there.
     *
     * @return true if this put stored it, false if an identical result was there
     * @throws DetectorIOException FW-804 if a different result was there
     */
    boolean putIfAbsent(String job, int segment, Path committed) throws IOException {
        Path target = file(job, segment);
        try {
            Files.createLink(target, committed);
            return true;
        } catch (FileAlreadyExistsException e) {
            if (Files.mismatch(target, committed) != -1) {
                throw new DetectorIOException("FW-804", target, "segment " + segment + " of job " + job
                        + " was computed twice with different results (the stored one is kept): workers are not deterministic "
                        + "(different Framewise, ONNX Runtime or device?)", null);
            }
            return false;
        } finally {
            Files.deleteIfExists(committed);
        }
    }
}
