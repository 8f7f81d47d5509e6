// Types of scripts/service.mjs for the tests that import it (the script stays plain
// JavaScript: `npm run install-service` runs it with Node alone).
export declare const NAME: "xui-admin-bot";
export declare function paths(root: string): { unit: string; config: string; env: string; data: string; panel: string };
export declare function renderUnit(template: string, paths: { app: string; node: string }): string;
