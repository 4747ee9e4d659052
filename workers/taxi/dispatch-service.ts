/**
 * The taxi company's dispatch system, behind an interface a business replaces with its own.
 * The simulated one assigns a driver from a small roster, deterministically per ride.
 */

/** A driver assigned to a ride. */
export interface Assignment {
  driver: string;
  car: string;
  plate: string;
  /** Minutes until the driver reaches the pickup. */
  eta: number;
}

/** What Kiosk needs of a dispatch system. */
export interface DispatchService {
  assign(ride: { rideId: string; pickup: string }): Promise<Assignment>;
}

const ROSTER: Assignment[] = [
  { driver: 'Amélie', car: 'Toyota Prius', plate: 'AB-123-CD', eta: 4 },
  { driver: 'Wei', car: 'Renault Zoe', plate: 'EF-456-GH', eta: 6 },
  { driver: 'Sam', car: 'Škoda Octavia', plate: 'IJ-789-KL', eta: 3 },
];

/** A stand-in dispatch system for the demo and tests. */
export const simulatedDispatch: DispatchService = {
  async assign({ rideId }) {
    let hash = 0;
    for (const char of rideId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
    return ROSTER[hash % ROSTER.length]!;
  },
};
