"""The synthetic city (合成城市): training, attendance and planted fraud over synthetic people."""
