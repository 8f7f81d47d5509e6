// Setup file (vitest.config.ts): after each test file, its remaining temp folders go.
import { afterAll } from "vitest";
import { removeTempDirs } from "./temp-dir.js";

afterAll(removeTempDirs);
