export { ConfirmButton, type ConfirmButtonProps } from './ConfirmButton';
export { CopyCommand } from './CopyCommand';
export { fieldErrors } from './field-errors';
export { PageHeader } from './PageHeader';
export { Paged, pageQuery } from './Paged';
export { ProblemAlert } from './ProblemAlert';
export { problemMessage, problemTitle } from './problem-text';
