package io.framewise.core;

import io.framewise.FrameDetections;
import java.io.IOException;

/** Receives processed frames in frame order: a result writer, a spill file, or a replay target. */
interface FrameSink {

  void accept(FrameDetections frame) throws IOException;
}
