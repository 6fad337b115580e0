package io.framewise.core.pipeline;

import io.framewise.FrameDetections;
import java.io.IOException;

/** Receives processed frames in frame order: a result writer, a spill file, or a replay target. */
public interface FrameSink {

  void accept(FrameDetections frame) throws IOException;
}
