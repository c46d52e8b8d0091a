/**
 * The value of one sample in a Prometheus text exposition, matched by name and labels; 0 when the
 * series does not exist yet (a counter nothing has touched).
 */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const line = text
    .split('\n')
    .find((candidate) => isSampleOf(candidate, name, labels));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** The sum of every sample of `name` (all its label sets that carry `labels`); 0 when there is none. */
export function sampleSum(text: string, name: string, labels: Record<string, string> = {}): number {
  return text
    .split('\n')
    .filter((line) => isSampleOf(line, name, labels))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

const isSampleOf = (line: string, name: string, labels: Record<string, string>) =>
  (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
