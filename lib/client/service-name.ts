/** A generated service definition: every method's path is "/<package>.<Service>/<Method>". */
type MethodPaths = Record<string, { path: string }>;

/** "banana.v1.Detector" for the detector's definition (health, reflection, retry policy). */
export function serviceNameOf(definition: MethodPaths): string {
  const [first] = Object.values(definition);
  const name = first?.path.split('/')[1];
  if (!name) throw new Error('a service definition without methods has no name');
  return name;
}
