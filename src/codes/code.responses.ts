import { ApiProperty } from '@nestjs/swagger';

export class CodeBatchResponse {
  @ApiProperty({
    type: 'integer',
    example: 1,
    description: "The batch's number in its coupon: 1, 2, …",
  })
  batch!: number;
  @ApiProperty({ type: 'integer', example: 1000 }) count!: number;
  @ApiProperty({ type: 'integer', nullable: true, example: 1, description: 'null = unlimited' })
  usesPerCode!: number | null;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z', description: 'In COUPON_TZ' })
  createdAt!: string;
}

/** A batch as the list shows it: with how many of its codes have been used. */
export class CodeBatchListItem extends CodeBatchResponse {
  @ApiProperty({
    type: 'integer',
    example: 250,
    description:
      'Codes of the batch used at least once (out of count): a code whose uses were all rolled ' +
      'back is unused again; a revoked code counts only if it has uses; a live hold is not a use',
  })
  used!: number;
}

export class CodeBatchList {
  @ApiProperty({ type: [CodeBatchListItem] }) items!: CodeBatchListItem[];
  @ApiProperty({ type: 'integer', example: 1 }) total!: number;
}

export class CodePage {
  @ApiProperty({ type: [String], example: ['SAVE10-7KQ2M9XR4TD8HPZ3'] }) items!: string[];
  @ApiProperty({ type: 'integer', example: 1000, description: 'Codes in the batch' })
  total!: number;
}

export class UniqueCodeResponse {
  @ApiProperty({ example: 'SAVE10-7KQ2M9XR4TD8HPZ3', description: 'Upper-case' }) code!: string;
  @ApiProperty({ type: 'integer', example: 1 }) batch!: number;
  @ApiProperty({ type: 'integer', example: 0, description: 'Uses counted on this code' })
  used!: number;
  @ApiProperty({
    type: 'integer',
    example: 0,
    description: 'Uses of this code held by live checkout holds',
  })
  held!: number;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 1,
    description: "The batch's usesPerCode; null = unlimited",
  })
  limit!: number | null;
  @ApiProperty({ example: false }) revoked!: boolean;
}
