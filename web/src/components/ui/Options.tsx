/** Something a person picks by name: a customer, a worker, a status. */
export interface Option {
  id: string;
  name: string;
}

/** The `<option>`s of a select, one per item, valued by id. */
export function Options({ items }: { items: readonly Option[] | undefined }) {
  return (
    <>
      {items?.map((item) => (
        <option key={item.id} value={item.id}>
          {item.name}
        </option>
      ))}
    </>
  );
}
