import { defineConfig } from "vitest/config";

interface Task {
  type: string;
  mode?: string;
  result?: { state?: string };
  tasks?: Task[];
}

/** Ends the run with the plain line "N passed, N failed" that CI logs read. */
class ClosingLine {
  onFinished(files: Task[] = []): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const walk = (t: Task) => {
      if (t.tasks) t.tasks.forEach(walk);
      if (t.type !== "test") return;
      if (t.result?.state === "pass") passed++;
      else if (t.result?.state === "fail") failed++;
      else skipped++;
    };
    files.forEach(walk);
    console.log(`\nui: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  }
}

export default defineConfig({
  test: {
    environment: "jsdom",
    include: ["ui/tests/**/*.test.ts"],
    reporters: ["default", new ClosingLine()],
  },
});
