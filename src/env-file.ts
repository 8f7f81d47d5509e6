// .env in the working directory, read by every entry point (the bot, the API, xui-admin)
// before anything looks at the environment. A variable already set in the environment wins:
// an administrator's `FOO=1 xui-admin ...` or a container's settings override the file.
import dotenv from "dotenv";

export function loadEnvFile(path = ".env", env: NodeJS.ProcessEnv = process.env): void {
  const { error } = dotenv.config({ path, processEnv: env, quiet: true, override: false });
  // No .env is normal; one we cannot read is a mistake to report, not to skip.
  if (error && error.code !== "ENOENT") throw error;
  // An empty TZ (`TZ=` in .env or in systemd's EnvironmentFile) means "the machine's zone", as
  // .env.example says; but ICU reads an empty TZ as an unknown zone and shows every date in UTC.
  if (env.TZ?.trim() === "") delete env.TZ;
}
