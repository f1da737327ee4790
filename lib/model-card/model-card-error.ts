/** A model card that is missing a field or holds a value the code cannot honour. */
export class ModelCardError extends Error {
  constructor(source: string, message: string) {
    super(`${source}: ${message}`);
    this.name = 'ModelCardError';
  }
}
